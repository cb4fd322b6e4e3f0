import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { buildPinoHttpOptions } from './pino-options';

interface AppLogSettings {
  logLevel: string;
  logPretty: boolean;
}

/** Structured JSON logs through nestjs-pino; `app` names the process in every line. */
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
              forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
            };
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
