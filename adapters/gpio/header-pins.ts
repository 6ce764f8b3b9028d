/**
 * The Raspberry Pi's 40-pin header (every model since the B+, the Pi 5 included): which physical
 * pin carries which BCM GPIO line, and which pins are power or ground. On the Pi 5 the lines are
 * RP1's, on the same header positions and with the same numbers.
 */

/** What a header pin carries. */
export type HeaderPin = { readonly kind: 'gpio'; readonly bcm: number } | { readonly kind: 'power' | 'ground'; readonly label: string };

const POWER: Record<number, string> = { 1: '3V3', 2: '5V', 4: '5V', 17: '3V3' };
const GROUND = new Set([6, 9, 14, 20, 25, 30, 34, 39]);
// Physical pin → BCM line, for the 26 GPIO pins (27 and 28 are the HAT EEPROM's ID_SD/ID_SC).
const BCM_OF_PIN: Record<number, number> = {
  3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24, 19: 10, 21: 9, 22: 25,
  23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5, 31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
};
const PIN_OF_BCM = new Map(Object.entries(BCM_OF_PIN).map(([pin, bcm]) => [bcm, Number(pin)]));

/** What physical pin `pin` (1..40) carries; undefined outside the header. */
export function headerPin(pin: number): HeaderPin | undefined {
  const bcm = BCM_OF_PIN[pin];
  if (bcm !== undefined) return { kind: 'gpio', bcm };
  const power = POWER[pin];
  if (power !== undefined) return { kind: 'power', label: power };
  if (GROUND.has(pin)) return { kind: 'ground', label: 'GND' };
  return undefined;
}

/** The BCM line of a GPIO header pin, or undefined for power, ground and pins off the header. */
export function bcmOfHeaderPin(pin: number): number | undefined {
  return BCM_OF_PIN[pin];
}

/** The header pin of a BCM line, or undefined for a line that is not on the header (28 and up). */
export function headerPinOfBcm(bcm: number): number | undefined {
  return PIN_OF_BCM.get(bcm);
}
