import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { buildPinoHttpOptions } from './pino-options';
import { RequestLog } from './request-log';

interface AppLogSettings {
  logLevel: string;
  logPretty: boolean;
}

/**
 * Structured JSON logs through nestjs-pino's Logger; `app` names the process in every line, the
 * request id is on every line logged during a request, and RequestLog writes one line per request.
 */
@Module({})
export class LoggingModule {
  /** `stream` replaces stdout (tests capture the logs to prove no secret reaches them). */
  static forRoot(app: string, stream?: NodeJS.WritableStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => {
            const settings = config.getOrThrow<AppLogSettings>('app');
            return {
              pinoHttp: stream
                ? [buildPinoHttpOptions({ app, level: settings.logLevel, pretty: false }), stream]
                : buildPinoHttpOptions({
                    app,
                    level: settings.logLevel,
                    pretty: settings.logPretty,
                  }),
              // no per-request middleware: the request context is entered once by the first
              // hook (applyHttpBasics) and RequestLog writes the request lines
              forRoutes: [],
            };
          },
        }),
      ],
      providers: [RequestLog],
      exports: [LoggerModule],
    };
  }
}
