// Opening a cache file for reading without trusting what stands at its name: O_NONBLOCK so that a FIFO there cannot
// block the open, and the opened descriptor's own fstat decides, so that what is read is what was checked.
import * as fs from 'node:fs';

export type RegularOpen = { fd: number } | { absent: true } | { notRegular: true };

export function openRegular(file: string): RegularOpen {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return { absent: true };
  }
  let regular = false;
  try {
    regular = fs.fstatSync(fd).isFile();
  } finally {
    if (!regular) fs.closeSync(fd);
  }
  return regular ? { fd } : { notRegular: true };
}
