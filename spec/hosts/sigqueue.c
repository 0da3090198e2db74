/*
** A storm sender for the specs: sigqueue PID SIGNO COUNT [DELAY [seq]]
** sends COUNT signals SIGNO to PID after DELAY seconds; with "seq",
** the i-th carries the value i (1, 2, ..., COUNT), else 0. It uses
** sigqueue and retries while the queue is full (EAGAIN): kill() of a
** real-time signal past the kernel's limit would report success and
** queue nothing. Exits 1 if the target is gone.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main (int argc, char **argv) {
  long pid, signo, count, i;
  double delay = 0;
  int seq;
  union sigval value;
  if (argc < 4) {
    fprintf(stderr, "usage: sigqueue PID SIGNO COUNT [DELAY [seq]]\n");
    return 2;
  }
  pid = strtol(argv[1], NULL, 10);
  signo = strtol(argv[2], NULL, 10);
  count = strtol(argv[3], NULL, 10);
  if (argc > 4) delay = strtod(argv[4], NULL);
  seq = argc > 5 && strcmp(argv[5], "seq") == 0;
  if (pid <= 1) {  /* never init, a group or every process */
    fprintf(stderr, "sigqueue: refusing pid %ld\n", pid);
    return 2;
  }
  if (delay > 0) {
    struct timespec ts;
    ts.tv_sec = (time_t)delay;
    ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
  }
  memset(&value, 0, sizeof value);
  for (i = 0; i < count; i++) {
    value.sival_int = seq ? (int)(i + 1) : 0;
    while (sigqueue((pid_t)pid, (int)signo, value) != 0) {
      if (errno != EAGAIN) {
        perror("sigqueue");
        return 1;
      }
      sched_yield();
    }
  }
  return 0;
}
