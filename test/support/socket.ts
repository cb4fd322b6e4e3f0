import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';

/** Starts the app's HTTP listener on an ephemeral port (sockets need a real one); returns its URL. */
export async function listen(app: NestFastifyApplication): Promise<string> {
  if (!app.getHttpServer().listening) await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface SocketOptions {
  token?: string;
  /** Sent as the handshake's Origin header (Node clients send none by default). */
  origin?: string;
  transports?: ('websocket' | 'polling')[];
}

/** A `/notifications` client that never reconnects by itself, every server event recorded. */
export interface TestSocket {
  socket: Socket;
  /** Every event the server sent, in arrival order. */
  events: { event: string; payload: unknown }[];
  /** Resolves once the socket is disconnected, with the reason. */
  disconnected: Promise<string>;
  of<T = unknown>(event: string): T[];
}

export function openSocket(baseUrl: string, options: SocketOptions = {}): TestSocket {
  const socket = io(`${baseUrl}/notifications`, {
    auth: options.token === undefined ? {} : { token: options.token },
    transports: options.transports ?? ['websocket'],
    extraHeaders: options.origin ? { Origin: options.origin } : undefined,
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  const events: TestSocket['events'] = [];
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload }));
  const disconnected = new Promise<string>((resolve) => socket.on('disconnect', resolve));
  socket.connect();
  return {
    socket,
    events,
    disconnected,
    of: <T>(event: string) =>
      events.filter((entry) => entry.event === event).map((entry) => entry.payload as T),
  };
}

/** Resolves when connected; rejects with the server's refusal (`connect_error`). */
export function connected(client: TestSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.socket.connected) return resolve();
    client.socket.once('connect', () => resolve());
    client.socket.once('connect_error', reject);
  });
}

/** Resolves with the `connect_error` (message and `data`); rejects if the socket connects. */
export function refused(
  client: TestSocket,
): Promise<{ message: string; data?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    client.socket.once('connect', () => reject(new Error('the socket was accepted')));
    client.socket.once('connect_error', (error: Error & { data?: { code?: string } }) =>
      resolve({ message: error.message, data: error.data }),
    );
  });
}

/** Opens and waits for a connected socket. */
export async function connectSocket(baseUrl: string, options: SocketOptions): Promise<TestSocket> {
  const client = openSocket(baseUrl, options);
  try {
    await connected(client);
  } catch (error) {
    client.socket.close();
    throw error;
  }
  return client;
}

export function closeAll(clients: TestSocket[]): void {
  for (const client of clients.splice(0)) client.socket.close();
}
