import { ExtractionError } from '../ingestion/errors';
import {
  accessDenialOf,
  assertSandboxSupported,
  confinementProblem,
  withoutCovered,
} from './extraction-sandbox';
import { isPermanentIngestionError } from './ingestion.pipeline';

/** An error shaped like node's ERR_ACCESS_DENIED. */
function denied(permission: string, resource?: string): Error {
  return Object.assign(
    new Error('Access to this API has been restricted. Use --allow-fs-read to manage permissions.'),
    { code: 'ERR_ACCESS_DENIED', permission, resource },
  );
}

describe('extraction sandbox helpers', () => {
  it('finds a permission denial in the error, its causes, or a message pdf.js passed on', () => {
    expect(accessDenialOf(denied('FileSystemRead', '/etc/passwd'))).toMatchObject({
      permission: 'FileSystemRead',
      resource: '/etc/passwd',
    });
    // an extractor wraps what the parser threw (here into corrupt_file)
    const wrapped = new ExtractionError('corrupt_file', 'The file is not valid JSON.', {
      cause: denied('ChildProcess'),
    });
    expect(accessDenialOf(wrapped)).toMatchObject({ permission: 'ChildProcess' });
    // pdf.js's in-process worker hands errors over as plain objects with the message only
    expect(
      accessDenialOf({
        name: 'UnknownErrorException',
        message:
          'Access to this API has been restricted. Use --allow-fs-write to manage permissions.',
      }),
    ).toMatchObject({ permission: undefined });
    expect(accessDenialOf(new ExtractionError('corrupt_file', 'damaged'))).toBeUndefined();
    expect(accessDenialOf(new Error('ENOENT'))).toBeUndefined();
    expect(accessDenialOf('a string')).toBeUndefined();
  });

  it('a sandbox_violation is permanent: the pipeline never retries it', () => {
    expect(isPermanentIngestionError(new ExtractionError('sandbox_violation', 'refused'))).toBe(
      true,
    );
  });

  it('refuses Node versions without a stable permission model', () => {
    expect(() => assertSandboxSupported('20.19.2')).toThrow(
      /Document extraction needs Node\.js 24 or later.*this is Node\.js 20\.19\.2/,
    );
    expect(() => assertSandboxSupported('22.22.0')).toThrow(/Node\.js 24 or later/);
    expect(() => assertSandboxSupported('24.0.0')).not.toThrow();
    expect(() => assertSandboxSupported('26.1.0')).not.toThrow();
  });

  it('a child checks that it is confined before it serves', () => {
    const granting = (...scopes: string[]) => ({ has: (scope: string) => scopes.includes(scope) });
    expect(confinementProblem(undefined)).toMatch(/no permission model/);
    expect(confinementProblem(granting())).toBeUndefined();
    expect(confinementProblem(granting('fs.write', 'child'))).toMatch(
      /may use fs\.write, child: extraction will not run unconfined/,
    );
    expect(confinementProblem(granting('fs.read'))).toMatch(/may use fs\.read/);
    // this jest process runs without --permission
    expect(confinementProblem()).toMatch(/no permission model/);
  });

  it('drops grants covered by a granted directory (node 24 loses a directory given after a path inside it)', () => {
    expect(
      withoutCovered([
        '/app/node_modules/pdfjs-dist',
        '/app/node_modules',
        '/app/node_modules-other',
        '/app/dist/a.js',
        '/app/node_modules',
      ]),
    ).toEqual(['/app/node_modules', '/app/node_modules-other', '/app/dist/a.js']);
  });
});
