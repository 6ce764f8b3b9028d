/** CRC-8 of Sensirion sensors (SHT3x datasheet §4.12): polynomial 0x31, init 0xFF, no reflection. */
export function sensirionCrc(bytes: readonly number[]): number {
  let crc = 0xff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
