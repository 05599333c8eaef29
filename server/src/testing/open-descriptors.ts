import fs from 'node:fs';

/**
 * What this process's open descriptors under `prefix` lead to, from /proc/self/fd (a removed file or directory
 * reads "… (deleted)"). Tests of kept descriptors count and check them; other descriptors (the runner's own) come
 * and go, so a test looks under a path of its own.
 */
export const openLinks = (prefix: string): string[] =>
  fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // closed meanwhile (the directory listing's own descriptor)
      }
    })
    .filter((l) => l.startsWith(prefix));
