/*
** A steady sender for Lua's own test suites (tools/luasuite.sh):
** flood SIGNO INTERVAL_US. It prints its pid, then sends SIGNO to its
** parent, the process that started it, every INTERVAL_US microseconds,
** with sigqueue (retrying while the queue is full, EAGAIN), until it is
** told to stop (SIGTERM) or its parent is gone. It signals no other
** process: a parent that changes (the starter exited and the process
** was reparented) ends it.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main (int argc, char **argv) {
  pid_t parent = getppid();
  long signo, interval;
  struct timespec pause;
  union sigval value;
  if (argc < 3) {
    fprintf(stderr, "usage: flood SIGNO INTERVAL_US\n");
    return 2;
  }
  signo = strtol(argv[1], NULL, 10);
  interval = strtol(argv[2], NULL, 10);
  if (parent <= 1 || signo <= 0 || interval < 0) return 2;
  printf("%ld\n", (long)getpid());
  fflush(stdout);
  pause.tv_sec = interval / 1000000;
  pause.tv_nsec = (interval % 1000000) * 1000;
  value.sival_int = 0;
  while (getppid() == parent) {
    if (sigqueue(parent, (int)signo, value) != 0) {
      if (errno != EAGAIN) return 1;
      sched_yield();
      continue;
    }
    value.sival_int++;
    nanosleep(&pause, NULL);
  }
  return 0;
}
