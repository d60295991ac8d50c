// Test helpers for the sandbox: what the host's process table and loopback look like.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Pids of the host's processes whose real uid is `uid`. */
export function processesOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const realUid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(realUid) === uid) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** How many processes the host has. */
export function hostProcessCount(): number {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
}

/** Samples processesOfUid(uid) until stopped; returns the largest count seen. */
export function watchProcessCount(uid: number): { stop: () => number } {
  let max = 0;
  const timer = setInterval(() => {
    max = Math.max(max, processesOfUid(uid).length);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return max;
    },
  };
}

/** A TCP server on 127.0.0.1 that counts the connections it accepts. */
export async function startLoopbackServer(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
