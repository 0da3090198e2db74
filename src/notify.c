/*
** sd_notify(state): systemd's notify protocol (sd_notify(3)) without
** libsystemd. The state goes as one datagram to $NOTIFY_SOCKET, a path
** or an abstract socket ("@name"). What the socket address is and how
** a datagram is sent is shared with shutdown.c, whose C handler sends
** STOPPING=1 itself: lsig_notifyaddr reads the variable, lsig_sendstate
** uses only async-signal-safe calls.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/* Linux's extras where the system has them: a socket closed on exec
** from its creation (elsewhere it lives only for the length of one
** call), and no SIGPIPE from sendto (a datagram sent to an address
** raises none on the other systems). */
#ifdef SOCK_CLOEXEC
#define l_dgram (SOCK_DGRAM | SOCK_CLOEXEC)
#else
#define l_dgram SOCK_DGRAM
#endif
#ifdef MSG_NOSIGNAL
#define l_nosignal MSG_NOSIGNAL
#else
#define l_nosignal 0
#endif


/*
** $NOTIFY_SOCKET as an address; returns 0 when it is unset or empty,
** -1 with errno set when it is not a unix socket this can reach (a
** vsock address, a path too long), its length otherwise.
*/
int lsig_notifyaddr (struct sockaddr_un *sa) {
  const char *path = getenv("NOTIFY_SOCKET");
  size_t len;
  if (path == NULL || *path == '\0') return 0;
  len = strlen(path);
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (path[0] != '/' && path[0] != '@') {
    errno = EAFNOSUPPORT;
    return -1;
  }
  if (len > sizeof sa->sun_path - (path[0] == '/')) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(sa->sun_path, path, len);
  if (path[0] == '@') sa->sun_path[0] = '\0';  /* abstract: no NUL at the end */
  else len++;  /* the path's NUL */
  return (int)(offsetof(struct sockaddr_un, sun_path) + len);
}


/* One datagram; async-signal-safe. 0 when sent, else an errno value. */
int lsig_sendstate (const struct sockaddr_un *sa, int salen,
                    const char *state, size_t len) {
  int fd = socket(AF_UNIX, l_dgram, 0);
  int err = 0;
  if (fd < 0) return errno;
  if (sendto(fd, state, len, l_nosignal, (const struct sockaddr *)sa,
             (socklen_t)salen) < 0)
    err = errno;
  close(fd);
  return err;
}


/* Pushes the value of 'key' in the state table as a string: a string,
** a number, or true for "1". A luaL_Buffer is in use: only one value
** may be on top of it, and luaL_addvalue takes it. */
static void pushvalue (lua_State *L, const char *key) {
  size_t len;
  const char *s;
  lua_getfield(L, 1, key);
  if (lua_isboolean(L, -1) && lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    lua_pushliteral(L, "1");
  }
  else if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
    luaL_argerror(L, 1, lua_pushfstring(L, "the value of '%s' must be a "
                  "string, a number or true", key));
  s = lua_tolstring(L, -1, &len);  /* a number becomes its string */
  if (memchr(s, '\n', len) != NULL)
    luaL_argerror(L, 1, lua_pushfstring(L, "the value of '%s' has a newline",
                  key));
}


/* Sorts the keys, so that a table gives the same datagram each time. */
static int compare (const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}


/* stack: state -> state datagram */
static void pushstate (lua_State *L) {
  luaL_Buffer b;
  const char **keys;
  size_t n = 0, i;
  if (lua_type(L, 1) == LUA_TSTRING) {
    lua_pushvalue(L, 1);
    return;
  }
  if (!lua_istable(L, 1))
    luaL_typeerror(L, 1, "string or table");
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    const char *key;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, 1, "the keys of a state table must be strings");
    key = lua_tostring(L, -1);
    if (*key == '\0' || strpbrk(key, "=\n") != NULL)
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid state name '%s'", key));
    n++;
  }
  luaL_argcheck(L, n > 0, 1, "empty state");
  keys = (const char **)lua_newuserdatauv(L, n * sizeof *keys, 0);
  n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    keys[n++] = lua_tostring(L, -1);  /* the table keeps it */
  }
  qsort(keys, n, sizeof *keys, compare);
  luaL_buffinit(L, &b);
  for (i = 0; i < n; i++) {
    if (i > 0) luaL_addchar(&b, '\n');
    luaL_addstring(&b, keys[i]);
    luaL_addchar(&b, '=');
    pushvalue(L, keys[i]);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  lua_remove(L, -2);  /* the keys */
}


/* Whether a line of the datagram is exactly 'line'. */
static int hasline (const char *s, size_t len, const char *line) {
  size_t n = strlen(line);
  const char *p = s, *end = s + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = (nl ? (size_t)(nl - p) : (size_t)(end - p));
    if (l == n && memcmp(p, line, n) == 0) return 1;
    p += l + 1;
  }
  return 0;
}


static int hasprefix (const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  const char *p = s, *end = s + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = (nl ? (size_t)(nl - p) : (size_t)(end - p));
    if (l >= n && memcmp(p, prefix, n) == 0) return 1;
    p += l + 1;
  }
  return 0;
}


/*
** Type=notify-reload wants RELOADING=1 with the CLOCK_MONOTONIC time
** of the reload, in microseconds, or it ignores the message.
*/
static void addmonotonic (lua_State *L) {
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  if (hasline(s, len, "RELOADING=1") && !hasprefix(s, len, "MONOTONIC_USEC=")) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushfstring(L, "%s%sMONOTONIC_USEC=%I", s,
                    (len > 0 && s[len - 1] != '\n') ? "\n" : "",
                    (lua_Integer)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    lua_remove(L, -2);
  }
}


static int sig_sd_notify (lua_State *L) {
  struct sockaddr_un sa;
  int salen, err;
  size_t len;
  const char *state;
  pushstate(L);
  addmonotonic(L);
  state = lua_tolstring(L, -1, &len);
  salen = lsig_notifyaddr(&sa);
  if (salen == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (salen < 0) return luaL_fileresult(L, 0, "sd_notify");
  err = lsig_sendstate(&sa, salen, state, len);
  if (err != 0) {
    errno = err;
    return luaL_fileresult(L, 0, "sd_notify");
  }
  lua_pushboolean(L, 1);
  return 1;
}


static const luaL_Reg notify_funcs[] = {
  {"sd_notify", sig_sd_notify},
  {NULL, NULL}
};


void lsig_open_notify (lua_State *L) {
  luaL_setfuncs(L, notify_funcs, 0);
}
