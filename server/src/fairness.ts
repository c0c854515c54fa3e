/**
 * Fair sharing of the one event loop between rooms. Room tasks are chained promises, so a room
 * with a long queue (a flood within its budget) would run them back to back as microtasks and no
 * other socket would be read until it is done. Every room task first asks {@link sliceSpent}; once
 * the current turn of the loop has run tasks for {@link SLICE_MS}, the room waits for the next turn
 * ({@link nextTurn}), after the loop has read every other socket. A quiet room's frame then waits at
 * most one slice, however busy its neighbours are.
 */

/** Longest the server runs room tasks in one turn of the event loop. */
export const SLICE_MS = 4

let sliceStart = 0
let inTurn = false

/** Whether this turn of the event loop has run room tasks for longer than {@link SLICE_MS}. */
export function sliceSpent(now: number = performance.now()): boolean {
  if (!inTurn) {
    inTurn = true
    sliceStart = now
    // Runs once the loop has polled sockets again: the next task starts a new slice.
    setImmediate(() => {
      inTurn = false
    })
    return false
  }
  return now - sliceStart > SLICE_MS
}

/** Resolves on the next turn of the event loop, after pending I/O has been read. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
