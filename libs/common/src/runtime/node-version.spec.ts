import { REQUIRED_NODE_MAJOR, unsupportedNodeMessage } from './node-version';

describe('unsupportedNodeMessage', () => {
  it('accepts the required major and newer ones', () => {
    expect(unsupportedNodeMessage(`${REQUIRED_NODE_MAJOR}.0.0`)).toBeUndefined();
    expect(unsupportedNodeMessage('24.22.3')).toBeUndefined();
    expect(unsupportedNodeMessage('26.1.0')).toBeUndefined();
  });

  it('refuses older majors with one line naming the required version', () => {
    const message = unsupportedNodeMessage('20.20.2');
    expect(message).toBe(
      'Docent requires Node.js 24 LTS or newer; this is Node.js 20.20.2. Install Node.js 24 (see .nvmrc) and run again.',
    );
    expect(message).not.toContain('\n');
    expect(unsupportedNodeMessage('22.17.0')).toContain('requires Node.js 24');
  });

  it('refuses a version it cannot read', () => {
    expect(unsupportedNodeMessage('')).toContain('requires Node.js 24');
  });
});
