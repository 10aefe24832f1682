// A process that takes Vigie's database lock, says "locked", and keeps it until killed: another Vigie, for lock tests.
import { acquireLock } from '../../src/store/lock.js';

acquireLock(process.argv[2]!);
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);
