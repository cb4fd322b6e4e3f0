import { Server, Socket } from 'node:net';

/**
 * What keeps the process busy, by kind ("TCPSocketWrap ×3, Timeout ×2"), with the far end of
 * every open TCP socket ("sockets: →127.0.0.1:5432 ×2, :3000←127.0.0.1 ×1"): when a shutdown runs
 * out of time, the operator learns what it was waiting for (a database or Redis connection, a
 * client still connected to the server, a timer, a child process) without a debugger.
 */
export function describeOpenResources(serverPorts: readonly number[] = []): string {
  const kinds = countBy(process.getActiveResourcesInfo());
  const sockets = countBy(
    activeHandles()
      .filter((handle): handle is Socket => handle instanceof Socket)
      .filter((socket) => socket.remotePort !== undefined || socket.connecting)
      .map((socket) => describeSocket(socket, serverPorts)),
  );
  const parts = [kinds || 'nothing'];
  if (sockets) parts.push(`sockets: ${sockets}`);
  return parts.join('; ');
}

function describeSocket(socket: Socket, serverPorts: readonly number[]): string {
  if (socket.localPort !== undefined && serverPorts.includes(socket.localPort)) {
    return `:${socket.localPort}←${socket.remoteAddress ?? '?'}`;
  }
  if (socket.remotePort !== undefined) return `→${socket.remoteAddress}:${socket.remotePort}`;
  return 'connecting';
}

/** The ports this process listens on (its HTTP servers), to tell clients from dependencies. */
export function listeningPorts(): number[] {
  return activeHandles()
    .filter((handle): handle is Server => handle instanceof Server && handle.listening)
    .map((server) => server.address())
    .flatMap((address) => (address && typeof address === 'object' ? [address.port] : []));
}

/** Node's own list of live handles: sockets, servers, child processes, timers. */
function activeHandles(): unknown[] {
  const get = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  return typeof get === 'function' ? get.call(process) : [];
}

function countBy(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([item, count]) => `${item} ×${count}`)
    .join(', ');
}
