/*
** The suite's subreaper: host_reaper COMMAND [ARG...]
**
** Runs COMMAND (spec/run.sh runs busted under it) as a child subreaper
** (PR_SET_CHILD_SUBREAPER), so a process the suite started and did not
** wait for is reparented here instead of to the machine's init. Every
** such orphan is reaped and written, one line "pid name", to the file
** named by $SIGNAL_ORPHANS (created empty here), where the last spec
** (spec/99-leftovers_spec.lua) reads them; the environment also gets
** SIGNAL_REAPER, this pid, so that it can look for orphans still
** running. When COMMAND ends, orphans still running get 2 s, then
** SIGKILL (they are descendants of the suite, nothing else), are listed
** on stderr and make the exit status 1; else it is COMMAND's (128 + the
** signal number if a signal ended it).
*/

#define _GNU_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEEN 4096

/* What the scans of /proc saw of each orphan while it ran. */
static struct { pid_t pid; char name[160]; } seen[NSEEN];
static int nseen;
static pid_t command;


static void readname (pid_t pid, char *buf, size_t size) {
  char path[64];
  FILE *f;
  size_t n = 0, i;
  buf[0] = '\0';
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
  if ((f = fopen(path, "r")) != NULL) {
    n = fread(buf, 1, size - 1, f);
    fclose(f);
  }
  for (i = 0; i < n; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  while (n > 0 && buf[n - 1] == ' ') n--;
  buf[n] = '\0';
  if (n == 0) {  /* a zombie has no command line: its comm, from stat */
    char stat[512], *open, *close;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL) return;
    n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    open = strchr(stat, '(');
    close = strrchr(stat, ')');
    if (open && close && close > open)
      snprintf(buf, size, "[%.*s]", (int)(close - open - 1), open + 1);
  }
}


static const char *nameof (pid_t pid) {
  int i;
  for (i = 0; i < nseen; i++)
    if (seen[i].pid == pid) return seen[i].name;
  return NULL;
}


static pid_t parentof (pid_t pid) {
  char path[64], stat[512], *close;
  FILE *f;
  size_t n;
  int ppid;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if ((f = fopen(path, "r")) == NULL) return -1;
  n = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[n] = '\0';
  close = strrchr(stat, ')');
  if (close == NULL || sscanf(close + 1, " %*c %d", &ppid) != 1) return -1;
  return (pid_t)ppid;
}


/* Records the orphans running now; returns how many there are. */
static int scan (void) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  pid_t me = getpid();
  int count = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    pid_t pid;
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    pid = (pid_t)atoi(e->d_name);
    if (pid == command || parentof(pid) != me) continue;
    count++;
    if (nameof(pid) == NULL && nseen < NSEEN) {
      seen[nseen].pid = pid;
      readname(pid, seen[nseen].name, sizeof seen[nseen].name);
      nseen++;
    }
  }
  closedir(d);
  return count;
}


static FILE *logfile;

/* Reaps what has ended; returns 1 once COMMAND has, its status in
** *status. */
static int reap (int *status) {
  int done = 0;
  for (;;) {
    siginfo_t info;
    int st;
    char name[160];
    const char *known;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0
        || info.si_pid == 0)
      return done;
    if (info.si_pid != command) {
      readname(info.si_pid, name, sizeof name);
      known = nameof(info.si_pid);
      fprintf(logfile, "%d %s\n", (int)info.si_pid,
              known && known[0] ? known : name);
      fflush(logfile);
    }
    while (waitpid(info.si_pid, &st, 0) < 0 && errno == EINTR) { }
    if (info.si_pid == command) {
      *status = st;
      done = 1;
    }
  }
}


static void nap (long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}


/* Signals meant for the suite's own process group pass this process
** by: a handler, not SIG_IGN, so COMMAND starts with the defaults. */
static void passby (int signo) { (void)signo; }


int main (int argc, char **argv) {
  static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1,
                              SIGUSR2, SIGALRM, SIGPIPE, SIGTSTP };
  const char *logname = getenv("SIGNAL_ORPHANS");
  char pidbuf[32], tmpl[] = "/tmp/signal-orphans-XXXXXX";
  struct sigaction sa;
  int status = 0, left = 0, tick = 0, ended = 0;
  size_t i;
  if (argc < 2) {
    fprintf(stderr, "usage: host_reaper COMMAND [ARG...]\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    perror("host_reaper: PR_SET_CHILD_SUBREAPER");
    return 2;
  }
  if (logname == NULL || logname[0] == '\0') {
    int fd = mkstemp(tmpl);
    if (fd < 0) { perror("host_reaper: mkstemp"); return 2; }
    close(fd);
    logname = tmpl;
    setenv("SIGNAL_ORPHANS", logname, 1);
  }
  if ((logfile = fopen(logname, "w")) == NULL) {
    perror(logname);
    return 2;
  }
  snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
  setenv("SIGNAL_REAPER", pidbuf, 1);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = passby;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction(sigs[i], &sa, NULL);
  command = fork();
  if (command < 0) { perror("host_reaper: fork"); return 2; }
  if (command == 0) {
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  while (!ended) {
    ended = reap(&status);
    if (!ended) {
      nap(20);
      if (++tick % 5 == 0) scan();
    }
  }
  /* orphans still running get 2 s to end, then are killed */
  for (tick = 0; tick < 100 && scan() > 0; tick++) {
    nap(20);
    reap(&status);
  }
  if (scan() > 0) {
    int k;
    for (k = 0; k < nseen; k++)
      if (parentof(seen[k].pid) == getpid()) {
        fprintf(stderr, "host_reaper: left running by the suite, killed: "
                "%d %s\n", (int)seen[k].pid, seen[k].name);
        kill(seen[k].pid, SIGKILL);
        left++;
      }
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) { }
  }
  fclose(logfile);
  if (logname == tmpl) unlink(tmpl);
  if (left > 0) return 1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
