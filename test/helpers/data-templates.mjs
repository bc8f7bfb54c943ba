// Initialised data directories, made once per machine and copied for each server. initdb and mariadb-install-db
// take 1-2 s on an idle machine and 5 s or more on a loaded one; `cp -a` of the result takes a fraction of that.
//
// A template lives in the OS temp dir under a name derived from the server binary (path, size, mtime) and the
// initialisation's own key, so a new server version or different init options make a new one (and the old one is
// removed). It is built in a
// private directory and renamed into place, so no process ever sees a half-built template; two processes that
// build the same one at once both succeed and one copy is discarded. Templates are never started themselves.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTempDir, runToEnd } from './server-process.mjs';

const building = new Map();

function templateName(kind, binary, key) {
  const { size, mtimeMs } = statSync(binary);
  const hash = createHash('sha256').update(JSON.stringify([binary, size, mtimeMs, key])).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `tracekit-template-${kind}-${hash}-${process.getuid?.() ?? 'user'}`);
}

/** Templates of the same kind under another name were made for an older server binary or older init options. */
function removeOutdated(kind, current) {
  const suffix = `-${process.getuid?.() ?? 'user'}`;
  for (const name of readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    if (name.startsWith(`tracekit-template-${kind}-`) && name.endsWith(suffix) && dir !== current) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * The template's data directory for (kind, binary, key), built by `init(dataDir)` when missing. `account` owns it
 * (servers that refuse to run as root).
 */
export async function dataTemplate(kind, binary, key, account, init) {
  const final = templateName(kind, binary, key);
  const data = path.join(final, 'data');
  if (existsSync(final)) return data;
  if (!building.has(final)) {
    building.set(final, (async () => {
      // A build interrupted by a killed process is removed by the next run (makeTempDir marks the owner).
      const work = makeTempDir(`template-${kind}`, account);
      try {
        await init(path.join(work, 'data'), work);
        renameSync(work, final);
        removeOutdated(kind, final);
      } catch (error) {
        rmSync(work, { recursive: true, force: true });
        if (!existsSync(final)) throw error; // lost a race to an identical template: use that one
      } finally {
        building.delete(final);
      }
    })());
  }
  await building.get(final);
  return data;
}

/** Copies a template's data directory to `target`, keeping owner and modes (postgres insists on 0700). */
export function copyData(name, template, target) {
  return runToEnd(name, 'cp', ['-a', template, target]);
}
