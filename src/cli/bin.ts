#!/usr/bin/env node
// The installed `vigie` executable: runs the CLI with the process's arguments and sets the exit status.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 70;
  },
);
