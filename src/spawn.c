/*
** spawn(argv [, options]): starts a program with posix_spawnp, no
** shell, and returns its pid for waitpid. The child starts with an
** empty signal mask and every catchable signal at its default action,
** whatever the parent blocks, ignores or handles (the classic cause of
** children that cannot be stopped), unless options.ignore names
** signals to leave ignored.
**
** Everything is checked before anything is made, and the parent opens
** no descriptor: paths are opened by the child (file actions), so a
** bad argument or a failed spawn leaves nothing behind.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


extern char **environ;

/* posix_spawn_file_actions_addchdir_np: glibc 2.29 and musl 1.1.24;
** elsewhere the cwd option is refused rather than emulated with a
** chdir of the whole process, which other threads would see. */
#if defined(__linux__)
#define l_addchdir(fa, dir) posix_spawn_file_actions_addchdir_np(fa, dir)
#endif


static const char *const options[] = {
  "cwd", "env", "ignore", "pgroup", "setsid", "stderr", "stdin", "stdout",
  NULL
};


/* An unknown option is more likely a typo than a wish to be ignored. */
static void checkoptions (lua_State *L, int opt) {
  lua_pushnil(L);
  while (lua_next(L, opt) != 0) {
    int i, known = 0;
    lua_pop(L, 1);  /* stack: ... key */
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *key = lua_tostring(L, -1);
      for (i = 0; options[i] != NULL; i++)
        if (strcmp(key, options[i]) == 0) known = 1;
    }
    if (!known)
      luaL_argerror(L, 2, lua_pushfstring(L, "unknown option '%s'",
                    luaL_tolstring(L, -1, NULL)));
  }
}


/* argv as a NULL-ended array; its strings stay in the table. */
static char **checkargv (lua_State *L) {
  lua_Integer i, n;
  char **argv;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_len(L, 1);
  luaL_argcheck(L, n >= 1, 1, "argv must name a program");
  luaL_argcheck(L, n < INT_MAX / (lua_Integer)sizeof(char *), 1,
                "argv too long");
  argv = (char **)lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
  for (i = 1; i <= n; i++) {
    size_t len;
    if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
      luaL_argerror(L, 1, lua_pushfstring(L, "argv[%I] is not a string", i));
    argv[i - 1] = (char *)lua_tolstring(L, -1, &len);
    if (strlen(argv[i - 1]) != len)  /* C would see it cut short */
      luaL_argerror(L, 1, lua_pushfstring(L, "argv[%I] has a zero byte", i));
    lua_pop(L, 1);  /* the table keeps it */
  }
  argv[n] = NULL;
  return argv;
}


/*
** options.env: a map merged into the parent's environment, a string
** (or number) value setting a variable, false removing it. The
** "K=V" strings are kept in a table at the top of the stack.
*/
static char **checkenv (lua_State *L, int opt) {
  char **envp;
  size_t n = 0, k = 0, i;
  int strings;
  if (lua_getfield(L, opt, "env") == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (!lua_istable(L, -1))
    luaL_argerror(L, 2, "option 'env' must be a table");
  for (i = 0; environ[i] != NULL; i++) n++;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    const char *key;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, 2, "env keys must be strings");
    key = lua_tostring(L, -2);
    if (*key == '\0' || strchr(key, '=') != NULL)
      luaL_argerror(L, 2, lua_pushfstring(L, "env: invalid name '%s'", key));
    if (!(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
          || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))))
      luaL_argerror(L, 2, lua_pushfstring(L,
                    "env: the value of '%s' must be a string or false", key));
    lua_pop(L, 1);
    n++;
  }
  lua_newtable(L);
  strings = lua_gettop(L);  /* stack: ... env strings */
  envp = (char **)lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0);
  lua_rawseti(L, strings, 0);  /* kept with the strings */
  for (i = 0; environ[i] != NULL; i++) {  /* what the map leaves alone */
    const char *eq = strchr(environ[i], '=');
    int t;
    if (eq == NULL) continue;
    lua_pushlstring(L, environ[i], (size_t)(eq - environ[i]));
    t = lua_rawget(L, strings - 1);
    lua_pop(L, 1);
    if (t == LUA_TNIL) envp[k++] = environ[i];
  }
  lua_pushnil(L);
  while (lua_next(L, strings - 1) != 0) {
    if (lua_toboolean(L, -1)) {
      const char *key = lua_tostring(L, -2);
      const char *value = luaL_tolstring(L, -1, NULL);  /* stack: k v copy */
      lua_pushfstring(L, "%s=%s", key, value);
      envp[k++] = (char *)lua_tostring(L, -1);
      lua_rawseti(L, strings, (lua_Integer)k);
      lua_pop(L, 1);  /* the copy */
    }
    lua_pop(L, 1);
  }
  envp[k] = NULL;
  lua_remove(L, strings - 1);  /* stack: ... strings */
  return envp;
}


/*
** What a standard stream of the child comes from: a path (opened by
** the child: stdin to read, stdout and stderr to append, created if
** need be), a descriptor, a Lua file, or false for /dev/null. Read
** and checked before any file action exists, so that an error leaks
** nothing.
*/
typedef struct Stream {
  const char *path;  /* NULL: use fd */
  int fd;  /* -1: the parent's own stream */
} Stream;

static void checkstream (lua_State *L, int opt, const char *name, Stream *s) {
  int t = lua_getfield(L, opt, name);
  luaL_Stream *p;
  s->path = NULL;
  s->fd = -1;
  if (t == LUA_TNIL)
    ;
  else if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))
    s->path = "/dev/null";
  else if (t == LUA_TSTRING)
    s->path = lua_tostring(L, -1);  /* the options table keeps it */
  else if (t == LUA_TNUMBER) {
    int isint;
    lua_Integer fd = lua_tointegerx(L, -1, &isint);
    if (!isint || fd < 0 || fd > INT_MAX || fcntl((int)fd, F_GETFD) == -1)
      luaL_argerror(L, 2, lua_pushfstring(L,
                    "option '%s': not an open descriptor", name));
    s->fd = (int)fd;
  }
  else if ((p = (luaL_Stream *)luaL_testudata(L, -1, LUA_FILEHANDLE)) != NULL) {
    if (p->closef == NULL)
      luaL_argerror(L, 2, lua_pushfstring(L,
                    "option '%s': attempt to use a closed file", name));
    fflush(p->f);  /* what the parent wrote comes before the child's */
    s->fd = fileno(p->f);
  }
  else
    luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' must be a path, a "
                  "descriptor, a file or false", name));
  lua_pop(L, 1);
}


static int addstream (posix_spawn_file_actions_t *fa, const Stream *s,
                      int target) {
  if (s->path != NULL) {
    int oflag = (target == 0) ? O_RDONLY : (O_WRONLY | O_CREAT | O_APPEND);
    if (strcmp(s->path, "/dev/null") == 0 && target != 0) oflag = O_WRONLY;
    return posix_spawn_file_actions_addopen(fa, target, s->path, oflag, 0666);
  }
  if (s->fd >= 0)
    return posix_spawn_file_actions_adddup2(fa, s->fd, target);
  return 0;
}


/* A boolean option; anything else is a mistake. */
static int checkflag (lua_State *L, int opt, const char *name) {
  int t = lua_getfield(L, opt, name);
  int v = lua_toboolean(L, -1);
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' must be a boolean",
                  name));
  lua_pop(L, 1);
  return v;
}


/*
** The signals to leave ignored in the child. SIGCHLD is refused: for
** the instant of the spawn the parent ignores them, and an ignored
** SIGCHLD would have the kernel reap the parent's children.
*/
static void checkignore (lua_State *L, int opt, sigset_t *ignore) {
  sigemptyset(ignore);
  if (lua_getfield(L, opt, "ignore") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  lua_replace(L, 2);  /* so that errors name the options, argument #2 */
  lsig_checkset(L, 2, ignore);
  if (sigismember(ignore, SIGKILL) == 1 || sigismember(ignore, SIGSTOP) == 1)
    luaL_argerror(L, 2, "ignore: SIGKILL and SIGSTOP cannot be ignored");
  if (sigismember(ignore, SIGCHLD) == 1)
    luaL_argerror(L, 2, "ignore: SIGCHLD cannot be left ignored "
                        "(the parent would lose its children's status)");
}


/*
** A child inherits ignored signals across exec, and nothing else: for
** the instant of the spawn the parent ignores those of 'ignore' it
** does not ignore already, with every signal blocked in this thread,
** then puts each disposition back. A delivery in that instant waits,
** blocked, and is handled once the mask is back (the kernel discards
** at once only a signal that its target thread does not block).
*/
static int spawnwith (pid_t *pid, char **argv, char **envp,
                      posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr,
                      const sigset_t *ignore) {
  struct sigaction old[LSIG_NSIG], ign;
  char changed[LSIG_NSIG];
  sigset_t all, mask;
  int signo, err;
  memset(changed, 0, sizeof changed);
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &mask);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(ignore, signo) != 1) continue;
    if (sigaction(signo, NULL, &old[signo]) == 0
        && !(old[signo].sa_handler == SIG_IGN
             && !(old[signo].sa_flags & SA_SIGINFO))
        && sigaction(signo, &ign, NULL) == 0)
      changed[signo] = 1;
  }
  err = posix_spawnp(pid, argv[0], fa, attr, argv,
                     envp != NULL ? envp : environ);
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (changed[signo]) sigaction(signo, &old[signo], NULL);
  pthread_sigmask(SIG_SETMASK, &mask, NULL);
  return err;
}


/*
** Everything that may raise comes first; then the attributes and file
** actions are made, used and destroyed with no Lua call in between.
*/
static int sig_spawn (lua_State *L) {
  char **argv, **envp = NULL;
  const char *cwd = NULL;
  Stream streams[3] = {{NULL, -1}, {NULL, -1}, {NULL, -1}};
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t ignore, deflt, empty;
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  int pgroup = 0, setsid_ = 0, err, signo, i;
  lua_Integer pgid = 0;
  pid_t pid;
  lua_settop(L, 2);
  argv = checkargv(L);  /* stack: argv options argvbuf */
  sigemptyset(&ignore);
  if (!lua_isnil(L, 2)) {
    int opt;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushvalue(L, 2);
    opt = lua_gettop(L);
    checkoptions(L, opt);
    checkignore(L, opt, &ignore);
    envp = checkenv(L, opt);  /* its strings stay on the stack */
    if (lua_getfield(L, opt, "cwd") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TSTRING)
        luaL_argerror(L, 2, "option 'cwd' must be a string");
      cwd = lua_tostring(L, -1);  /* the options table keeps it */
#ifndef l_addchdir
      luaL_argerror(L, 2, "option 'cwd' is not supported on this platform");
#endif
    }
    lua_pop(L, 1);
    if (lua_getfield(L, opt, "pgroup") == LUA_TNUMBER) {
      int isint;
      pgid = lua_tointegerx(L, -1, &isint);
      luaL_argcheck(L, isint && pgid >= 0 && (lua_Integer)(pid_t)pgid == pgid,
                    2, "option 'pgroup': invalid process group");
      pgroup = 1;
      lua_pop(L, 1);
    }
    else {
      lua_pop(L, 1);
      pgroup = checkflag(L, opt, "pgroup");
    }
    setsid_ = checkflag(L, opt, "setsid");
#ifndef POSIX_SPAWN_SETSID
    if (setsid_)
      luaL_argerror(L, 2, "option 'setsid' is not supported on this platform");
#endif
    luaL_argcheck(L, !(setsid_ && pgroup), 2,
                  "options 'setsid' and 'pgroup' exclude each other");
    for (i = 0; i < 3; i++)
      checkstream(L, opt, names[i], &streams[i]);
  }
  /* every catchable signal to its default, but those left ignored */
  sigemptyset(&empty);
  sigemptyset(&deflt);
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (signo != SIGKILL && signo != SIGSTOP
        && sigismember(&ignore, signo) != 1)
      sigaddset(&deflt, signo);  /* the C library's own refuse: no matter */
  if (pgroup) flags |= POSIX_SPAWN_SETPGROUP;
#ifdef POSIX_SPAWN_SETSID
  if (setsid_) flags |= POSIX_SPAWN_SETSID;
#endif
  if ((err = posix_spawnattr_init(&attr)) != 0)
    goto fail;
  if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
    posix_spawnattr_destroy(&attr);
    goto fail;
  }
  err = posix_spawnattr_setflags(&attr, flags);
  if (err == 0) err = posix_spawnattr_setsigmask(&attr, &empty);
  if (err == 0) err = posix_spawnattr_setsigdefault(&attr, &deflt);
  if (err == 0 && pgroup) err = posix_spawnattr_setpgroup(&attr, (pid_t)pgid);
  /* streams first, so that a relative path is the caller's, then cwd */
  for (i = 0; i < 3 && err == 0; i++)
    err = addstream(&fa, &streams[i], i);
#ifdef l_addchdir
  if (err == 0 && cwd != NULL) err = l_addchdir(&fa, cwd);
#else
  (void)cwd;  /* refused above */
#endif
  if (err == 0)
    err = spawnwith(&pid, argv, envp, &fa, &attr, &ignore);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err == 0) {
    lua_pushinteger(L, (lua_Integer)pid);
    return 1;
  }
 fail:
  luaL_pushfail(L);
  lua_pushfstring(L, "spawn: %s: %s", argv[0], strerror(err));
  lua_pushinteger(L, err);
  return 3;
}


static const luaL_Reg spawn_funcs[] = {
  {"spawn", sig_spawn},
  {NULL, NULL}
};


void lsig_open_spawn (lua_State *L) {
  luaL_setfuncs(L, spawn_funcs, 0);
}
