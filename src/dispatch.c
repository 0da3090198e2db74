/*
** The hook and dispatch half of the delivery engine, the same on every
** platform: the count-1 debug hook a delivery arms, the program's hooks
** kept and put back around it, and dispatch, which runs the handlers on
** the runner. The engines (src/engine.c for POSIX, src/win/engine_win.c
** for Windows) take deliveries in, count them, wake the Lua thread and
** own delivery; what dispatch needs from them is in ldispatch.h. The
** invariants are those of engine.c's design note (3, 4 and 5 are this
** file's); the Windows engine keeps them by arming with the Lua thread
** stopped (see engine_win.c).
*/

#define _GNU_SOURCE

#include <stdatomic.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


#if ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_POINTER_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic integers and pointers"
#endif


/* Our hook asks for call and return events too: a count event only
** comes while a Lua function runs, and the code running may be C. */
#define OUR_EVENTS (LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT)


const char lsig_handlers_key = 0;


/* Set after a delivery is counted (ldispatch.h). */
atomic_int lsig_any_pending;

/* Main thread of the owning state (NULL: no owner), and the coroutine
** of that state that runs now (NULL: the main thread). */
_Atomic(lua_State *) lsig_owner_main;
static _Atomic(lua_State *) running_co;
_Atomic(const void *) lsig_owner_registry;

static atomic_int hook_busy;
static atomic_uint arm_gen;

/* Only the main flow of the owner touches these. The owner's handler
** table is also kept under an integer reference, the fastest lookup. */
static int handlers_ref = LUA_NOREF;
static lua_State *runner;  /* the owner's thread that runs handlers */
static lua_State *interrupted;  /* the thread a dispatch interrupted */

/* A handler runs: deliveries meanwhile are only counted (not armed),
** and the dispatch loop takes them when the handler returns. */
static atomic_int dispatching;


/*
** The hook that the program had on a thread before a delivery armed
** ours. Slot 0 belongs to the main thread; the others to coroutines.
** Written by the C handler only while the thread's hook is not ours,
** read by the main flow only while it is (or under 'hook_busy').
*/
typedef struct SavedHook {
  _Atomic(lua_State *) thread;
  lua_Hook hook;
  int mask;
  int count;
} SavedHook;

#define NSAVED 8
static SavedHook saved[NSAVED];

static void sig_hook (lua_State *L, lua_Debug *ar);


static SavedHook *findslot (lua_State *T, int claim) {
  int i;
  SavedHook *empty = NULL;
  if (T == atomic_load(&lsig_owner_main))
    return &saved[0];
  for (i = 1; i < NSAVED; i++) {
    lua_State *t = atomic_load(&saved[i].thread);
    if (t == T) return &saved[i];
    if (t == NULL && empty == NULL) empty = &saved[i];
  }
  return claim ? empty : NULL;
}


/* The slot that keeps the program's hook on T while ours is set there,
** or NULL: the program had none (the main thread's slot is always
** there, and holds T's only while it is T's). */
static SavedHook *keptfor (lua_State *T) {
  SavedHook *s = findslot(T, 0);
  return (s != NULL && atomic_load(&s->thread) == T) ? s : NULL;
}


/*
** Sets our hook on T. A hook the program set is kept in a slot, to be
** put back when ours fires; a thread with no hook needs no slot. A
** coroutine with a hook and no slot left is not armed: the main thread
** always is, so its delivery waits at most until control returns there.
** A thread armed already is left alone: lua_sethook visits every frame
** of the thread, and at a depth of 200,000 frames a timer's deliveries
** would otherwise spend all the time there (a livelock).
*/
static void arm (lua_State *T) {
  lua_Hook h = lua_gethook(T);
  int mask = 0, count = 0;
  if (h == sig_hook)
    return;  /* armed already: lua_sethook would walk the stack again */
  if (h != NULL) {
    SavedHook *s = findslot(T, 1);
    if (s == NULL) return;
    s->hook = h;
    s->mask = mask = lua_gethookmask(T);
    s->count = count = lua_gethookcount(T);
    atomic_store(&s->thread, T);
  }
  if (mask & LUA_MASKLINE)  /* see sig_hook */
    lua_sethook(T, sig_hook, mask | LUA_MASKCALL | LUA_MASKRET, count);
  else
    lua_sethook(T, sig_hook, mask | OUR_EVENTS, 1);
}


/* Arms the running coroutine and the main thread, unless the main flow
** is editing hooks or dispatching (it looks at 'any_pending' after):
** the C handler's arming, on the Lua thread (or with it stopped). */
void lsig_armall (lua_State *main) {
  if (!atomic_load(&hook_busy) && !atomic_load(&dispatching)) {
    lua_State *co = atomic_load(&running_co);
    atomic_fetch_add(&arm_gen, 1);
    if (co != NULL && co != main) arm(co);
    arm(main);
  }
}


/*
** {======================================================
** Hooks, seen from the main flow
** =======================================================
*/

/* Puts back the program's hook on T if ours is set; returns the hook
** restored in *out. */
static int unhook (lua_State *T, SavedHook *out) {
  SavedHook *s;
  if (lua_gethook(T) != sig_hook) return 0;
  atomic_store(&hook_busy, 1);
  s = keptfor(T);
  if (s != NULL) {
    out->hook = s->hook;
    out->mask = s->mask;
    out->count = s->count;
    atomic_store(&s->thread, NULL);
  }
  else {
    out->hook = NULL;
    out->mask = out->count = 0;
  }
  lua_sethook(T, out->hook, out->mask, out->count);
  atomic_store(&hook_busy, 0);
  return 1;
}


void lsig_disarm (lua_State *T) {
  SavedHook ignored;
  unhook(T, &ignored);
}


/* Arms T from the main flow, so that pending handlers run at its next
** instruction. */
void lsig_armself (lua_State *T) {
  atomic_store(&hook_busy, 1);
  arm(T);
  atomic_store(&hook_busy, 0);
}


unsigned lsig_armcount (void) {
  return atomic_load(&arm_gen);
}


/* The hook the program has on T, looking through ours if it is armed. */
lua_Hook lsig_programhook (lua_State *T, int *mask) {
  lua_Hook h = lua_gethook(T);
  *mask = lua_gethookmask(T);
  if (h == sig_hook) {
    SavedHook *s = keptfor(T);
    if (s != NULL) {
      h = s->hook;
      *mask = s->mask;
    }
    else {
      h = NULL;
      *mask = 0;
    }
  }
  return h;
}


/*
** The coroutine wrappers tell the engine which coroutine runs, since
** stock Lua keeps hooks per thread. A coroutine that stops running
** (a yield fires no hook event; it may be dead) loses a hook armed on
** it, which would otherwise keep its slot.
*/
int lsig_enterco (lua_State *L, lua_State *co, lua_State **prev) {
  if (!lsig_isowner(L)) return 0;
  *prev = atomic_exchange(&running_co, co);
  if (atomic_load(&lsig_any_pending) && !atomic_load(&dispatching))
    lsig_armself(co);
  return 1;
}


void lsig_leaveco (lua_State *L, lua_State *co, lua_State *prev) {
  atomic_store(&running_co, prev);
  lsig_disarm(co);
  if (atomic_load(&lsig_any_pending) && !atomic_load(&dispatching))
    lsig_armself(L);
}


/*
** A thread made by L while ours was armed on L copied it (lua_newthread
** copies its creator's hook): it gets the hook the program has on L
** instead, as without the module. L keeps ours: nothing ran since the
** copy, so what armed it is still pending. The coroutine replacements
** call this; a thread a C host makes with lua_newthread keeps ours
** until it fires, and then has none.
*/
void lsig_inherithook (lua_State *L, lua_State *co) {
  SavedHook *s;
  if (lua_gethook(co) != sig_hook) return;
  atomic_store(&hook_busy, 1);
  s = keptfor(L);
  if (s != NULL)
    lua_sethook(co, s->hook, s->mask, s->count);
  else
    lua_sethook(co, NULL, 0, 0);
  atomic_store(&hook_busy, 0);
}

/* }====================================================== */


/*
** {======================================================
** Ownership, as both engines keep it, and the runner
** =======================================================
*/

int lsig_isowner (lua_State *L) {
  const void *reg = atomic_load(&lsig_owner_registry);
  return reg != NULL && reg == lua_topointer(L, LUA_REGISTRYINDEX);
}


/* Raises an error if another state owns delivery. */
void lsig_checkowner (lua_State *L) {
  const void *reg = atomic_load(&lsig_owner_registry);
  if (reg != NULL && reg != lua_topointer(L, LUA_REGISTRYINDEX))
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
}


/*
** The runner: a thread of the owning state, made when it claims
** delivery, on which every handler runs. A handler run on the thread
** it interrupted would leave traces there that the program can see:
** its returns move the line a line hook last saw (so the hook misses
** or repeats a line), its frames use that thread's stack (near a stack
** overflow, its call is what overflows, and Lua then reports an error
** in error handling), and the program's hook would count its
** instructions. On the runner, the interrupted thread stays exactly as
** it was. A runner that a handler's error killed is reset for reuse.
*/
static const char runner_key = 0;

lua_State *lsig_runner (void) {
  return runner;
}


lua_State *lsig_interrupted (void) {
  return interrupted;
}


/* Puts a runner that a handler left dead or suspended back to work;
** the error of a to-be-closed variable it closes replaces the one on
** top of L. */
static void resetrunner (lua_State *L) {
  if (lsig_closethread(runner, L) != LUA_OK) {
    lua_pop(L, 1);
    lua_xmove(runner, L, 1);
  }
  lua_settop(runner, 0);
  if (lua_status(runner) != LUA_OK) {  /* before 5.4.3, a __close error */
    lua_State *R = lua_newthread(L);   /* leaves it dead: a new one */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &runner_key);
    runner = R;
  }
}


/* The sentinel whose __gc ('release', the engine's) ends ownership as
** the owner closes: made once per state and kept. */
static const char sentinel_key = 0;  /* registry: the __gc sentinel */

void *lsig_findsentinel (lua_State *L, lua_CFunction release) {
  void *sentinel;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, release);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
  }
  sentinel = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return sentinel;
}


/* The owner's runner, made the first time it claims delivery (and kept
** in the registry); nothing is published yet. */
lua_State *lsig_findrunner (lua_State *L) {
  lua_State *R;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &runner_key) != LUA_TTHREAD) {
    lua_pop(L, 1);
    lua_newthread(L);
    lua_sethook(lua_tothread(L, -1), NULL, 0, 0);  /* not its maker's */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &runner_key);
  }
  R = lua_tothread(L, -1);
  lua_pop(L, 1);
  return R;
}


/* The claim succeeded: handlers run on R, from the table at 'ref'. */
void lsig_bindrunner (lua_State *R, int ref) {
  handlers_ref = ref;
  runner = R;
}


/* Undoes lsig_bindrunner, for a claim undone. */
void lsig_unbindrunner (lua_State *L) {
  luaL_unref(L, LUA_REGISTRYINDEX, handlers_ref);
  handlers_ref = LUA_NOREF;
  runner = NULL;
}


/* The owner is closing and no C handler of ours runs any more: nothing
** of its state is kept (the slots may name its coroutines). */
void lsig_resetdispatch (void) {
  int i;
  atomic_store(&running_co, NULL);
  for (i = 0; i < NSAVED; i++)
    atomic_store(&saved[i].thread, NULL);
  atomic_store(&dispatching, 0);
  runner = interrupted = NULL;
  handlers_ref = LUA_NOREF;  /* the state is going */
}

/* }====================================================== */


/*
** {======================================================
** Dispatch
** =======================================================
*/

enum { CALLED, FAILED, FAILED_MEM, UNCALLABLE };

/* Handler calls one dispatch makes at most before the interrupted code
** runs an instruction; what is left runs at the next. */
#define DISPATCH_BUDGET 4096

/*
** Calls the handler of 'signo' once, on the runner; a handler replaced
** by SIG_DFL or SIG_IGN before its turn came drops the delivery, as in
** CPython. FAILED: the handler raised, its error is on top of L
** (FAILED_MEM: an error of memory). UNCALLABLE: it could not be
** called (the C stack is full: the runner is untouched), and nothing
** was pushed.
*/
static int callhandler (lua_State *L, int signo) {
  lua_State *R = runner;
  const struct lsig_Info *rec = lsig_peekrecord(signo);
  int status, nres, nargs = 1, builder;
  lua_rawgeti(R, LUA_REGISTRYINDEX, handlers_ref);
  if (lua_rawgeti(R, -1, signo) == LUA_TNIL) {
    lua_settop(R, 0);
    if (rec != NULL) lsig_droprecord(signo);
    return CALLED;
  }
  lua_remove(R, -2);  /* runner: handler */
  lua_pushinteger(R, signo);
  if (lua_gethook(R) != NULL) lua_sethook(R, NULL, 0, 0);
  if ((builder = lsig_infobuilder(signo)) != LUA_NOREF) {
    lua_rawgeti(R, LUA_REGISTRYINDEX, builder);  /* siginfo.c */
    lua_pushlightuserdata(R, (void *)rec);
    lua_pushinteger(R, signo);
    if (lua_pcall(R, 2, 1, 0) != LUA_OK) {  /* no memory: keep it all */
      lua_settop(R, 0);
      return UNCALLABLE;
    }
    nargs = 2;  /* runner: handler signo info */
  }
  status = lua_resume(R, L, nargs, &nres);
  if (lua_status(R) == LUA_OK && status != LUA_OK) {  /* refused */
    lua_settop(R, 0);
    return UNCALLABLE;
  }
  if (rec != NULL) lsig_droprecord(signo);
  if (status == LUA_OK) {
    lua_settop(R, 0);
    return CALLED;
  }
  if (status == LUA_YIELD)
    lua_pushliteral(L, "attempt to yield from a signal handler");
  else
    lua_xmove(R, L, 1);  /* the error */
  resetrunner(L);
  return (status == LUA_ERRMEM) ? FAILED_MEM : FAILED;
}


/*
** Runs every pending handler, lowest signal first, one call per
** delivery. A call made while a handler runs does nothing: the loop
** takes the deliveries that came meanwhile when that handler returns.
** On a handler's error, what is still pending is armed for the next
** instruction and the error propagates from here, except an error of
** memory: what is left then waits for the next delivery or call into
** the module, so that a program short of memory is not interrupted at
** every instruction. A handler that cannot be called keeps its
** delivery for then too, and raises nothing. After DISPATCH_BUDGET
** calls the interrupted code runs one instruction before the rest.
*/
void lsig_dispatch (lua_State *L) {
  unsigned calls = 0;
  lsig_disarm(L);
  if (atomic_load(&dispatching) || !lsig_isowner(L)) return;
  lsig_followthread();
  interrupted = L;
  do {
    int signo;
    atomic_store(&dispatching, 1);
    while (atomic_exchange(&lsig_any_pending, 0)) {
      lsig_warnwakeup(L);
      while ((signo = lsig_takepending()) != 0) {
        int r = callhandler(L, signo);
        if (r == CALLED) {
          if (++calls < DISPATCH_BUDGET) continue;
          /* a storm faster than its handler would keep the program
          ** from its next instruction for ever: it gets one */
          atomic_store(&dispatching, 0);
          interrupted = NULL;
          atomic_store(&lsig_any_pending, 1);
          lsig_armself(L);
          return;
        }
        atomic_store(&dispatching, 0);
        interrupted = NULL;
        if (r == UNCALLABLE) {
          lsig_giveback(signo);
          return;
        }
        if (lsig_morepending()) {
          atomic_store(&lsig_any_pending, 1);
          if (r == FAILED) lsig_armself(L);
        }
        lua_error(L);
      }
    }
    atomic_store(&dispatching, 0);
  } while (atomic_load(&lsig_any_pending));  /* one came after the last look */
  interrupted = NULL;
}


int lsig_haspending (void) {
  return atomic_load(&lsig_any_pending);
}


int lsig_inhandler (void) {
  return atomic_load(&dispatching);
}


/* The event's bit in a hook mask. A count event is the program's
** when its hook traces lines (arm kept its count), else ours. */
static int eventmask (int event, int usermask) {
  switch (event) {
    case LUA_HOOKCALL: case LUA_HOOKTAILCALL: return LUA_MASKCALL;
    case LUA_HOOKRET: return LUA_MASKRET;
    case LUA_HOOKLINE: return LUA_MASKLINE;
    default: return (usermask & LUA_MASKLINE) ? LUA_MASKCOUNT : 0;
  }
}


/*
** Our hook puts the program's hook back first, so that whatever that
** hook does to the hooks stays done. It dispatches before it passes
** the event on, because the program's hook may raise (a budget hook,
** lua.c's Ctrl-C), which would leave the deliveries with no hook armed;
** a handler that raises or changes the hook drops that one event.
**
** The events a program's hook sees stay the ones it would see without
** the module. Its line events: when it traces lines, arm waits for the
** next line, call or return event instead of the next instruction,
** because Lua 5.4.0's lua_sethook, called here, moves the line that
** the line hook last saw to the current one: in a count event, just
** before Lua looks for a new line, a line hook would see its line
** again; after a line, call or return event, Lua sets it itself. Lines
** come often enough: every new line and every jump back in a loop.
** Its count events: the count starts again from the delivery.
*/
static void sig_hook (lua_State *L, lua_Debug *ar) {
  SavedHook user;
  int forward_event = unhook(L, &user) && user.hook != NULL
                      && (user.mask & eventmask(ar->event, user.mask));
  lsig_dispatch(L);
  if (forward_event) {  /* unless a handler changed the hook: a delivery */
    int mask;          /* meanwhile may have armed ours over it again */
    if (lsig_programhook(L, &mask) == user.hook) user.hook(L, ar);
  }
}

/* }====================================================== */
