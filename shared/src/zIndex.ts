import { generateKeyBetween } from 'fractional-indexing'

/** fractional-indexing's digits, in ASCII order, so keys compare as plain strings. */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function randomSuffix(length: number): string {
  let s = ''
  for (let i = 0; i < length; i++) s += DIGITS[1 + Math.floor(Math.random() * (DIGITS.length - 1))]
  return s
}

/**
 * Digits of the random tail: 61^6 ≈ 5·10^10 tails, so two users collide with odds of about 2·10^-11,
 * and a thousand keys made at once all differ but for odds of about 10^-5 (with 4 digits, a
 * thousand collided 3.6 % of the time).
 */
const TAIL_DIGITS = 6

/**
 * A z-order key strictly between `a` and `b` (null = unbounded), with a random tail: two users who
 * both "bring to front" at the same moment get different keys instead of the same one, so
 * concurrent reorders never collide and the order is the same for everyone.
 */
export function zBetween(
  a: string | null,
  b: string | null,
  random: (n: number) => string = randomSuffix,
): string {
  const key = generateKeyBetween(a, b)
  const jittered = key + random(TAIL_DIGITS)
  return b === null || jittered < b ? jittered : key
}

/** `n` ascending keys between `a` and `b`, each jittered. */
export function zBetweenN(a: string | null, b: string | null, n: number): string[] {
  const keys: string[] = []
  let prev = a
  for (let i = 0; i < n; i++) {
    prev = zBetween(prev, b)
    keys.push(prev)
  }
  return keys
}
