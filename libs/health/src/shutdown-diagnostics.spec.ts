import { createServer, connect, type Server, type Socket } from 'node:net';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeOpenResources, listeningPorts } from './open-resources';
import { trackCloseHooks } from './pending-hooks';

describe('shutdown diagnostics', () => {
  describe('trackCloseHooks', () => {
    let release: () => void = () => undefined;

    @Injectable()
    class StuckConnection implements OnApplicationShutdown {
      onApplicationShutdown(): Promise<void> {
        return new Promise((resolve) => (release = resolve));
      }
    }

    @Injectable()
    class QuickCache implements OnApplicationShutdown {
      closed = false;
      onApplicationShutdown(): void {
        this.closed = true;
      }
    }

    @Module({ providers: [StuckConnection, QuickCache] })
    class AppModule {}

    it('names the close hooks that started and have not finished', async () => {
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      const hooks = trackCloseHooks(app);
      expect(hooks.pending()).toEqual([]);
      const closing = app.close();
      await new Promise((resolve) => setImmediate(resolve));
      expect(hooks.pending()).toEqual(['StuckConnection.onApplicationShutdown']);
      expect(app.get(QuickCache).closed).toBe(true);
      release();
      await closing;
      expect(hooks.pending()).toEqual([]);
    });
  });

  describe('describeOpenResources', () => {
    let server: Server;
    let client: Socket;
    const accepted: Socket[] = [];

    beforeAll(async () => {
      server = createServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      client = connect(port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      while (accepted.length === 0) await new Promise((resolve) => setImmediate(resolve));
    });

    afterAll(async () => {
      client.destroy();
      accepted.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    });

    it('tells a connection to a dependency from a client of our own server', () => {
      const { port } = server.address() as { port: number };
      expect(listeningPorts()).toContain(port);
      const text = describeOpenResources([port]);
      // the client end: a connection to the server's port
      expect(text).toContain(`→127.0.0.1:${port} ×1`);
      // the server end: a client connected to our port
      expect(text).toMatch(new RegExp(`:${port}←127\\.0\\.0\\.1 ×1`));
      expect(text).toMatch(/TCPSocketWrap ×\d+/);
    });
  });
});
