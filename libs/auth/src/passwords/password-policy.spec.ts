import { AppError } from '@docent/common';
import {
  assertPasswordAcceptable,
  checkPassword,
  normalizePassword,
  PASSWORD_DERIVED_FROM_EMAIL,
  PASSWORD_TOO_COMMON,
  PASSWORD_TOO_LONG,
  PASSWORD_TOO_SHORT,
  type PasswordContext,
} from './password-policy';
import { preloadCommonPasswords } from './common-passwords';

const context: PasswordContext = { email: 'jane.doe@example.com', minLength: 15 };
const codeOf = (password: string, ctx: PasswordContext = context): string | null =>
  checkPassword(password, ctx)?.code ?? null;

describe('normalizePassword', () => {
  it('applies NFKC', () => {
    expect(normalizePassword('e\u0301')).toBe('\u00e9');
    expect(normalizePassword('\uff21\uff22')).toBe('AB'); // full-width letters
    expect(normalizePassword('\ufb01')).toBe('fi'); // ligature
  });
});

describe('checkPassword: length', () => {
  it('accepts exactly the minimum and rejects one below, counted in code points', () => {
    expect(codeOf('vintage kettle!')).toBeNull(); // 15
    expect(codeOf('vintage kettle')).toBe(PASSWORD_TOO_SHORT); // 14
  });

  it('counts an emoji as one character', () => {
    const fourteen = 'vintage kettle';
    expect('🦊'.length).toBe(2); // two UTF-16 units…
    expect(codeOf(fourteen + '🦊')).toBeNull(); // …but one code point: 15
    // 14 emoji are 28 UTF-16 units yet only 14 characters
    expect(codeOf('🦊🐙🌵🎻🚲🧭🍋🪁🦉🌋🧩🎲🛶🪴')).toBe(PASSWORD_TOO_SHORT);
  });

  it('counts after NFKC, so a decomposed accent is one character', () => {
    // "é" typed as e + combining acute: 28 code points raw, 14 after normalisation
    const decomposed = 'e\u0301'.repeat(14);
    expect([...decomposed]).toHaveLength(28);
    expect(codeOf(decomposed)).toBe(PASSWORD_TOO_SHORT);
  });

  it('accepts 128 characters and rejects 129, never truncating', () => {
    const words = 'lantern orchard velvet compass thunder ';
    const base = words.repeat(4).slice(0, 128);
    expect([...base]).toHaveLength(128);
    expect(codeOf(base)).toBeNull();
    expect(codeOf(base + 'x')).toBe(PASSWORD_TOO_LONG);
    expect(codeOf('🦊'.repeat(129))).toBe(PASSWORD_TOO_LONG);
  });

  it('rejects a huge input as too long without trouble', () => {
    expect(codeOf('x'.repeat(1_000_000))).toBe(PASSWORD_TOO_LONG);
  });

  it('honours a configured minimum of 8 but never goes below 8', () => {
    expect(codeOf('kettle7q', { ...context, minLength: 8 })).toBeNull();
    expect(codeOf('kettl7q', { ...context, minLength: 8 })).toBe(PASSWORD_TOO_SHORT);
    expect(codeOf('kettl7q', { ...context, minLength: 4 })).toBe(PASSWORD_TOO_SHORT);
  });

  it('names the minimum in the message', () => {
    expect(checkPassword('short', context)?.message).toMatch(/at least 15 characters/);
  });
});

describe('checkPassword: common passwords', () => {
  const eight: PasswordContext = { ...context, minLength: 8 };

  it('rejects list entries, case-insensitively', () => {
    for (const p of ['password', 'PassWord', 'baseball', 'iloveyou', 'trustno1']) {
      expect(codeOf(p, eight)).toBe(PASSWORD_TOO_COMMON);
    }
    // long entries are caught at the default minimum too
    expect(codeOf('passwordpassword')).toBe(PASSWORD_TOO_COMMON);
    expect(codeOf('1QAZ2WSX3EDC4RFV')).toBe(PASSWORD_TOO_COMMON);
  });

  it('explains that the password has leaked', () => {
    expect(checkPassword('Password', eight)?.message).toBe(
      'This password is too common: it appears in lists of leaked passwords.',
    );
  });

  it('rejects a list word with digits, ! or . added before or after', () => {
    for (const p of [
      'password123!',
      'Password2024!!',
      '2024password',
      '!!password!!',
      'password.....',
      '123dragon456',
      'baseball1234567890',
    ]) {
      expect(codeOf(p, eight)).toBe(PASSWORD_TOO_COMMON);
    }
    expect(checkPassword('password123!', eight)?.message).toMatch(/digits or punctuation added/);
    expect(codeOf('Password1234567!')).toBe(PASSWORD_TOO_COMMON);
  });

  it('rejects a repeated character, a straight sequence and a repeated short unit', () => {
    for (const p of [
      'aaaaaaaaaaaaaaaa',
      'ZZZZZZZZZZZZZZZZ',
      '5555555555555555',
      'abcdefghijklmnop',
      'ponmlkjihgfedcba',
      '1234567890123456',
      '9876543210987654',
      'uvwxyzabcdefghij',
      'abcabcabcabcabcabc',
      'dragondragondragon',
      '1234567890123456!!',
      'abcdefghijklmnop2024',
    ]) {
      expect(codeOf(p)).toBe(PASSWORD_TOO_COMMON);
    }
  });

  it('does not mistake random digits or a word with random digits for a pattern', () => {
    expect(codeOf('8374619201234875')).toBeNull();
    expect(codeOf('dog8374619201234')).toBeNull();
    expect(codeOf('2024 was a quiet year for the garden')).toBeNull();
  });
});

describe('checkPassword: derived from the e-mail', () => {
  it('rejects the local part, ignoring case and punctuation', () => {
    expect(codeOf('JaneDoe lives here now')).toBe(PASSWORD_DERIVED_FROM_EMAIL);
    expect(codeOf('my name is jane-doe!!')).toBe(PASSWORD_DERIVED_FROM_EMAIL);
  });

  it('rejects the reversed local part', () => {
    expect(codeOf('eodenaj backwards works?')).toBe(PASSWORD_DERIVED_FROM_EMAIL);
  });

  it('rejects the main domain label', () => {
    expect(codeOf('I work at Example since 2019')).toBe(PASSWORD_DERIVED_FROM_EMAIL);
    const uk = { ...context, email: 'kim@mail.acmewidgets.co.uk' };
    expect(codeOf('AcmeWidgets forever and ever', uk)).toBe(PASSWORD_DERIVED_FROM_EMAIL);
  });

  it('rejects the whole address', () => {
    const shortLocal = { ...context, email: 'jo@ex.io' };
    expect(codeOf('my login is jo@ex.io okay', shortLocal)).toBe(PASSWORD_DERIVED_FROM_EMAIL);
  });

  it('uses the mailbox without a +tag', () => {
    const tagged = { ...context, email: 'jane.doe+docent@example.com' };
    expect(codeOf('hello janedoe my old friend', tagged)).toBe(PASSWORD_DERIVED_FROM_EMAIL);
  });

  it('ignores fragments too short to mean anything', () => {
    // local part "jo" (< 3) and domain label "ex" (< 4) do not count on their own
    const shortParts = { ...context, email: 'jo@ex.io' };
    expect(codeOf('joyful expedition to the hills', shortParts)).toBeNull();
  });

  it('explains why', () => {
    expect(checkPassword('JaneDoe lives here now', context)?.message).toMatch(/e-mail address/);
  });
});

describe('checkPassword: acceptable passwords', () => {
  it('accepts long passphrases with no composition requirements', () => {
    for (const p of [
      'correct horse battery staple',
      'lanterns drift over quiet harbours',
      'all lowercase no digits at all here',
      'ÉTÉ À LA MONTAGNE AVEC MES AMIS',
      'Ψυχή και θάλασσα για πάντα',
      '🦊 jumps over the 🌵 at dawn',
      'zq8#Lr!2vT@p9&Xw',
    ]) {
      expect(checkPassword(p, context)).toBeNull();
    }
  });

  it('reports the field it was given', () => {
    expect(checkPassword('short', { ...context, field: 'newPassword' })?.field).toBe('newPassword');
    expect(checkPassword('short', context)?.field).toBe('password');
  });
});

describe('assertPasswordAcceptable', () => {
  it('returns quietly for an acceptable password', () => {
    expect(() => assertPasswordAcceptable('correct horse battery staple', context)).not.toThrow();
  });

  it('throws a bad_request AppError with the code and a field error', () => {
    let thrown: unknown;
    try {
      assertPasswordAcceptable('password123!', { ...context, minLength: 8, field: 'newPassword' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const error = thrown as AppError;
    expect(error.kind).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.code).toBe(PASSWORD_TOO_COMMON);
    expect(error.errors).toEqual([{ field: 'newPassword', message: error.message }]);
  });

  it('defaults the field to password', () => {
    expect(() => assertPasswordAcceptable('short', context)).toThrow(
      expect.objectContaining({
        code: PASSWORD_TOO_SHORT,
        errors: [expect.objectContaining({ field: 'password' })],
      }),
    );
  });
});

describe('preloadCommonPasswords', () => {
  it('loads the shipped list of leaked passwords', () => {
    expect(preloadCommonPasswords()).toBeGreaterThan(40_000);
  });
});
