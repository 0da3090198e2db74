/*
** cpeer: the plain C peer, the floor the other systems are held to.
** A sigaction handler that bumps a counter, and nothing else between
** the kernel and the count. Same tests and output as target.lua:
**
**   cpeer probe
**   cpeer roundtrip N SIGNO        raise() N times
**   cpeer roundtrip_info N SIGNO   the same, to an SA_SIGINFO handler
**                                  that copies its siginfo_t
**   cpeer burst N SIGNO QUIET_MS   (see driver.c for the protocol)
**   cpeer latency SIGNO MODE       MODE is main or coroutine; C has no
**                                  coroutines, so both spin in main
**   cpeer memory [SIGNO...]        installs a handler on each SIGNO
*/

#define _GNU_SOURCE

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static atomic_long handled;
static _Atomic long long last;
static volatile unsigned long spins;  /* volatile: the spin loop stays */


static long long now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  /* async-signal-safe */
  return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static int install (int signo, void (*handler) (int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  return sigaction(signo, &sa, NULL) == 0;
}


static void on_count (int signo) {
  (void)signo;
  atomic_fetch_add(&handled, 1);
}


/* The floor of a handler that takes its siginfo: a copy of it, kept
** where the program can read it, and the count. */
static siginfo_t lastinfo;

static void on_info (int signo, siginfo_t *info, void *context) {
  (void)signo;
  (void)context;
  memcpy(&lastinfo, info, sizeof lastinfo);
  atomic_fetch_add(&handled, 1);
}


static int installinfo (int signo) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_info;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_SIGINFO;
  return sigaction(signo, &sa, NULL) == 0;
}


static void on_burst (int signo) {
  (void)signo;
  atomic_fetch_add(&handled, 1);
  atomic_store(&last, now_ns());
}


/* Writes the stamp as a decimal line with write(2) only, as stdio is
** not async-signal-safe. */
static void on_latency (int signo) {
  char buf[32];
  char *p = buf + sizeof buf;
  long long t = now_ns();
  (void)signo;
  *--p = '\n';
  do { *--p = (char)('0' + t % 10); t /= 10; } while (t > 0);
  if (write(STDOUT_FILENO, p, (size_t)(buf + sizeof buf - p)) < 0) _exit(1);
}


static void ready (void) {
  printf("ready\n");
  fflush(stdout);
}


static int cmpdouble (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}


/* N raises in CHUNKS timed chunks; the median chunk's ns per raise, so
** that a chunk the machine stole time from does not count. */
#define CHUNKS 5

static int roundtrip (long n, int signo, int withinfo) {
  long i, k = n / CHUNKS;
  int c;
  double ns[CHUNKS];
  if (!(withinfo ? installinfo(signo) : install(signo, on_count))) return 1;
  for (i = 0; i < n / 10; i++) raise(signo);  /* warm up */
  atomic_store(&handled, 0);
  for (c = 0; c < CHUNKS; c++) {
    long long t0 = now_ns();
    for (i = 0; i < k; i++) raise(signo);
    ns[c] = (double)(now_ns() - t0) / (double)k;
  }
  qsort(ns, CHUNKS, sizeof ns[0], cmpdouble);
  printf("ns=%.1f handled=%ld raised=%ld\n", ns[CHUNKS / 2],
         atomic_load(&handled), k * CHUNKS);
  return 0;
}


/* A loaded machine may start the sender late: the quiet period counts
** from the last delivery, and the first may take this long. */
#define FIRST_MS 10000

/* Has the driver queued every signal? (see driver.c) */
static int sentall (void) {
  const char *name = getenv("BENCH_SENT_FILE");
  return name == NULL || access(name, F_OK) == 0;
}

static int burst (long n, int signo, long quiet_ms) {
  long long start, seen;
  if (!install(signo, on_burst)) return 1;
  ready();
  start = now_ns();
  while (atomic_load(&handled) < n) {
    for (int i = 0; i < 10000; i++) spins++;
    seen = atomic_load(&last);
    if ((seen > start ? now_ns() - seen > quiet_ms * 1000000
                      : now_ns() - start > FIRST_MS * 1000000LL)
        && sentall()) break;
  }
  printf("handled=%ld last=%lld\n", atomic_load(&handled), atomic_load(&last));
  return 0;
}


static int latency (int signo) {
  if (!install(signo, on_latency)) return 1;
  ready();
  for (;;) spins++;
}


static int memory (int argc, char **argv) {
  char line[256];
  long rss = -1, anon = -1;
  int i, count = 0;
  FILE *f;
  for (i = 0; i < argc; i++) count += install(atoi(argv[i]), on_count);
  f = fopen("/proc/self/status", "r");
  if (f == NULL) return 1;
  while (fgets(line, sizeof line, f) != NULL) {
    sscanf(line, "VmRSS: %ld", &rss);
    sscanf(line, "RssAnon: %ld", &anon);
  }
  fclose(f);
  /* libs: a C program maps no library to install handlers */
  printf("rss=%ld anon=%ld libs=0 handlers=%d\n", rss, anon, count);
  return 0;
}


int main (int argc, char **argv) {
  const char *test = argc > 1 ? argv[1] : "";
  if (strcmp(test, "probe") == 0 && argc == 2) {
    printf("version=%s\n", "gcc " __VERSION__);
    return 0;
  }
  if (strcmp(test, "roundtrip") == 0 && argc == 4)
    return roundtrip(atol(argv[2]), atoi(argv[3]), 0);
  if (strcmp(test, "roundtrip_info") == 0 && argc == 4)
    return roundtrip(atol(argv[2]), atoi(argv[3]), 1);
  if (strcmp(test, "burst") == 0 && argc == 5)
    return burst(atol(argv[2]), atoi(argv[3]), atol(argv[4]));
  if (strcmp(test, "latency") == 0 && argc == 4)
    return latency(atoi(argv[2]));
  if (strcmp(test, "memory") == 0)
    return memory(argc - 2, argv + 2);
  fprintf(stderr, "usage: cpeer probe|roundtrip|roundtrip_info|burst|"
                  "latency|memory ...\n");
  return 2;
}
