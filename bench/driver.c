/*
** driver: the other process of the burst and latency benchmarks. It
** starts a target (any command that speaks the protocol below), sends
** it signals, and prints its results as key=value pairs on its last
** line.
**
**   driver burst N SIGNO LIMIT_MS -- TARGET...
**     sends N signals with sigqueue as fast as it can (retrying while
**     the kernel's queue is full), then collects the target's count.
**     prints: sent= retries= handled= send_ms= last_ms=
**     (last_ms: from the first sigqueue to the target's last handler)
**   driver latency N SIGNO TIMEOUT_MS -- TARGET...
**     N times: waits a random 100-400 us, stamps CLOCK_MONOTONIC, sends
**     SIGNO with kill, and waits for the handler's stamp; stops at the
**     first one not handled within TIMEOUT_MS.
**     prints: each latency in ns on a line of its own, then
**     samples= timeouts=
**
** Target protocol, on the target's stdout: it prints "ready" once its
** handler is installed and its loop is about to start. Burst targets
** then print "handled=H last=T" (T: CLOCK_MONOTONIC ns of the last
** handler call) when all N arrived or none did for a quiet period
** after the driver had sent them all: once it has, the driver creates
** the file named by $BENCH_SENT_FILE, if set. (Another process of the
** same user can keep the kernel's queue full for seconds, holding the
** driver back.)
** Latency targets print the CLOCK_MONOTONIC ns at which the handler
** ran, one line per delivery, and spin until killed.
**
** Both processes stamp the same system-wide clock, so a latency is the
** target's stamp minus the driver's, with no clock offset to correct.
**
** With two CPUs or more, the driver runs on one and the target on
** another: otherwise the scheduler sometimes puts both on one CPU, and
** the target then gets the signal when the driver sleeps (a context
** switch) rather than while it spins (an interrupt from another CPU),
** which makes the figures of one system differ by 10x from run to run.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static long long now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static void die (const char *what) {
  fprintf(stderr, "driver: %s: %s\n", what, strerror(errno));
  exit(1);
}


/*
** {======================================================
** The target process and its output lines
** =======================================================
*/

/* Pins the calling thread to the index-th CPU it may run on, if any. */
static void pin (const cpu_set_t *allowed, int index) {
  int cpu;
  for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, allowed) && index-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      sched_setaffinity(0, sizeof one, &one);
      return;
    }
  }
}


typedef struct Target {
  pid_t pid;
  int fd;  /* read end of the target's stdout */
  char buf[4096];
  size_t len;
} Target;


static void spawn (Target *t, char **argv) {
  int fds[2];
  cpu_set_t allowed;
  int pinning = sched_getaffinity(0, sizeof allowed, &allowed) == 0
                && CPU_COUNT(&allowed) >= 2;
  if (pipe2(fds, O_CLOEXEC) != 0) die("pipe2");
  t->pid = fork();
  if (t->pid < 0) die("fork");
  if (t->pid == 0) {
    if (pinning) pin(&allowed, 1);
    dup2(fds[1], STDOUT_FILENO);  /* dup2 clears O_CLOEXEC on the copy */
    execvp(argv[0], argv);
    fprintf(stderr, "driver: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  if (pinning) pin(&allowed, 0);
  close(fds[1]);
  t->fd = fds[0];
  t->len = 0;
}


/*
** Reads one line of the target's output into 'line' (without the
** newline). Returns 1 for a line, 0 after timeout_ms without one, and
** -1 at the end of the output (the target exited).
*/
static int readline (Target *t, char *line, size_t size, int timeout_ms) {
  long long deadline = now_ns() + (long long)timeout_ms * 1000000;
  for (;;) {
    char *nl = memchr(t->buf, '\n', t->len);
    struct pollfd pfd;
    long long left;
    ssize_t r;
    if (nl != NULL) {
      size_t n = (size_t)(nl - t->buf);
      if (n >= size) n = size - 1;
      memcpy(line, t->buf, n);
      line[n] = '\0';
      t->len -= (size_t)(nl - t->buf) + 1;
      memmove(t->buf, nl + 1, t->len);
      return 1;
    }
    if (t->len == sizeof t->buf) t->len = 0;  /* no line: drop garbage */
    left = deadline - now_ns();
    if (left <= 0) return 0;
    pfd.fd = t->fd;
    pfd.events = POLLIN;
    if (poll(&pfd, 1, (int)((left + 999999) / 1000000)) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pfd.revents == 0) continue;
    r = read(t->fd, t->buf + t->len, sizeof t->buf - t->len);
    if (r < 0 && errno != EINTR) die("read");
    if (r == 0) return -1;
    if (r > 0) t->len += (size_t)r;
  }
}


/* Waits for the target's "ready"; exits if it never comes. */
static void awaitready (Target *t) {
  char line[256];
  int r = readline(t, line, sizeof line, 10000);
  if (r <= 0 || strcmp(line, "ready") != 0) {
    fprintf(stderr, "driver: target not ready (%s)\n",
            r < 0 ? "it exited" : r == 0 ? "timeout" : line);
    exit(1);
  }
}


/* Ends the target; returns its wait status. */
static int finish (Target *t, int killit) {
  int status;
  if (killit) kill(t->pid, SIGKILL);
  while (waitpid(t->pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  close(t->fd);
  return status;
}

/* }====================================================== */


/* Tells the burst target that every signal is queued. */
static void tellsent (void) {
  const char *name = getenv("BENCH_SENT_FILE");
  int fd;
  if (name == NULL) return;
  if ((fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) < 0)
    die(name);
  close(fd);
}


static int burst (long n, int signo, int limit_ms, char **argv) {
  Target t;
  long i, retries = 0, sent = 0;
  long long handled = 0, last = 0, start, sentat;
  char line[256];
  int r;
  union sigval value;
  value.sival_int = 0;
  spawn(&t, argv);
  awaitready(&t);
  start = now_ns();
  for (i = 0; i < n; i++) {
    while (sigqueue(t.pid, signo, value) != 0) {
      if (errno != EAGAIN) goto sent;  /* the target is gone */
      retries++;  /* the kernel's queue is full: let the target drain it */
      sched_yield();
    }
    sent++;
  }
sent:
  sentat = now_ns();
  tellsent();
  r = readline(&t, line, sizeof line, limit_ms);
  if (r <= 0 || sscanf(line, "handled=%lld last=%lld", &handled, &last) != 2) {
    int status = finish(&t, 1);
    fprintf(stderr, "driver: no burst result (%s)\n",
            r == 0 ? "timeout" : WIFSIGNALED(status) ?
            strsignal(WTERMSIG(status)) : "target exited");
    return 1;
  }
  finish(&t, 0);
  printf("sent=%ld retries=%ld handled=%lld send_ms=%.3f last_ms=%.3f\n",
         sent, retries, handled, (double)(sentat - start) / 1e6,
         last > start ? (double)(last - start) / 1e6 : 0.0);
  return 0;
}


static int latency (long n, int signo, int timeout_ms, char **argv) {
  Target t;
  long k = 0, timeouts = 0;
  unsigned int seed = 12345;  /* fixed: every system gets the same gaps */
  char line[256];
  spawn(&t, argv);
  awaitready(&t);
  while (k < n) {
    struct timespec gap = { 0, 100000 + rand_r(&seed) % 300000 };
    long long sent, ran;
    int r;
    nanosleep(&gap, NULL);
    sent = now_ns();
    if (kill(t.pid, signo) != 0) die("kill");
    r = readline(&t, line, sizeof line, timeout_ms);
    if (r < 0) {
      fprintf(stderr, "driver: the latency target exited\n");
      finish(&t, 1);
      return 1;
    }
    if (r == 0) {  /* not handled in time: the signal stays pending, stop */
      timeouts++;
      break;
    }
    ran = atoll(line);
    if (ran < sent) {
      fprintf(stderr, "driver: stamp %s before the send\n", line);
      finish(&t, 1);
      return 1;
    }
    printf("%lld\n", ran - sent);
    k++;
  }
  finish(&t, 1);
  printf("samples=%ld timeouts=%ld\n", k, timeouts);
  return 0;
}


static void usage (void) {
  fprintf(stderr, "usage: driver burst|latency N SIGNO MS -- TARGET...\n");
  exit(2);
}


int main (int argc, char **argv) {
  long n;
  int signo, ms;
  if (argc < 7 || strcmp(argv[5], "--") != 0) usage();
  n = atol(argv[2]);
  signo = atoi(argv[3]);
  ms = atoi(argv[4]);
  if (n <= 0 || signo <= 0 || ms <= 0) usage();
  signal(SIGPIPE, SIG_IGN);
  if (strcmp(argv[1], "burst") == 0) return burst(n, signo, ms, argv + 6);
  if (strcmp(argv[1], "latency") == 0) return latency(n, signo, ms, argv + 6);
  usage();
  return 2;
}
