/*
** Test host: the C library's own signal values, printed one per line
** as "name value", so that the specs compare the module with the
** platform it was built on (glibc and musl differ) instead of
** assuming one. Built with the same compiler and headers as the module.
*/

#define _GNU_SOURCE  /* strsignal, SIGRTMIN, NSIG and every SIG* name */

#include <signal.h>
#include <stdio.h>
#include <string.h>

static void name (const char *n, int value) {
  printf("%s %d\n", n, value);
}

#define NAME(s) name(#s, s)

int main (void) {
  sigset_t all;
  int s;
  /* Python's list of names; each only where the C library has it */
#ifdef SIGHUP
  NAME(SIGHUP);
#endif
#ifdef SIGINT
  NAME(SIGINT);
#endif
#ifdef SIGQUIT
  NAME(SIGQUIT);
#endif
#ifdef SIGILL
  NAME(SIGILL);
#endif
#ifdef SIGTRAP
  NAME(SIGTRAP);
#endif
#ifdef SIGIOT
  NAME(SIGIOT);
#endif
#ifdef SIGABRT
  NAME(SIGABRT);
#endif
#ifdef SIGEMT
  NAME(SIGEMT);
#endif
#ifdef SIGFPE
  NAME(SIGFPE);
#endif
#ifdef SIGKILL
  NAME(SIGKILL);
#endif
#ifdef SIGBUS
  NAME(SIGBUS);
#endif
#ifdef SIGSEGV
  NAME(SIGSEGV);
#endif
#ifdef SIGSYS
  NAME(SIGSYS);
#endif
#ifdef SIGPIPE
  NAME(SIGPIPE);
#endif
#ifdef SIGALRM
  NAME(SIGALRM);
#endif
#ifdef SIGTERM
  NAME(SIGTERM);
#endif
#ifdef SIGUSR1
  NAME(SIGUSR1);
#endif
#ifdef SIGUSR2
  NAME(SIGUSR2);
#endif
#ifdef SIGCLD
  NAME(SIGCLD);
#endif
#ifdef SIGCHLD
  NAME(SIGCHLD);
#endif
#ifdef SIGPWR
  NAME(SIGPWR);
#endif
#ifdef SIGIO
  NAME(SIGIO);
#endif
#ifdef SIGURG
  NAME(SIGURG);
#endif
#ifdef SIGWINCH
  NAME(SIGWINCH);
#endif
#ifdef SIGPOLL
  NAME(SIGPOLL);
#endif
#ifdef SIGSTOP
  NAME(SIGSTOP);
#endif
#ifdef SIGTSTP
  NAME(SIGTSTP);
#endif
#ifdef SIGCONT
  NAME(SIGCONT);
#endif
#ifdef SIGTTIN
  NAME(SIGTTIN);
#endif
#ifdef SIGTTOU
  NAME(SIGTTOU);
#endif
#ifdef SIGVTALRM
  NAME(SIGVTALRM);
#endif
#ifdef SIGPROF
  NAME(SIGPROF);
#endif
#ifdef SIGXCPU
  NAME(SIGXCPU);
#endif
#ifdef SIGXFSZ
  NAME(SIGXFSZ);
#endif
#ifdef SIGINFO
  NAME(SIGINFO);
#endif
#ifdef SIGSTKFLT
  NAME(SIGSTKFLT);
#endif
  NAME(SIGRTMIN);
  NAME(SIGRTMAX);
  NAME(NSIG);
  /* valid_signals: what sigfillset fills, as Python computes it */
  sigfillset(&all);
  printf("valid");
  for (s = 1; s < NSIG; s++)
    if (sigismember(&all, s) == 1) printf(" %d", s);
  printf("\n");
  /* the C library's text for the first number it reserves, 32 */
  printf("strsignal32 %s\n", strsignal(32));
  return 0;
}
