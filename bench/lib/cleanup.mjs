// Everything the benchmark starts registers how to stop it here, so that it is stopped at the
// end even after an error or Ctrl-C: runCleanup() stops in reverse order of registration; on
// SIGINT/SIGTERM it runs first; at exit, whatever is left gets SIGKILL (lastResort).
const tasks = [];
const lastResorts = new Set();

/** Registers an async stop function; returns a function that unregisters it. */
export function onCleanup(stop) {
  tasks.push(stop);
  return () => { const i = tasks.indexOf(stop); if (i >= 0) tasks.splice(i, 1); };
}

/** Registers a synchronous kill for process exit (e.g. SIGKILL by pid); returns its remover. */
export function lastResort(kill) {
  lastResorts.add(kill);
  return () => lastResorts.delete(kill);
}

export async function runCleanup() {
  while (tasks.length) {
    const stop = tasks.pop();
    try { await stop(); } catch (e) { console.error(`cleanup: ${e.message}`); }
  }
}

process.on("exit", () => { for (const kill of lastResorts) { try { kill(); } catch { /* gone */ } } });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, async () => {
    console.error(`\n${signal}: stopping everything the benchmark started...`);
    const timer = setTimeout(() => process.exit(130), 30_000);
    await runCleanup();
    clearTimeout(timer);
    process.exit(130);
  });
}
