import { attachmentDisposition, encodeRfc5987 } from './content-disposition';

describe('attachmentDisposition', () => {
  it('keeps a plain ASCII name readable in both parameters', () => {
    expect(attachmentDisposition('report 2026.pdf')).toBe(
      `attachment; filename="report 2026.pdf"; filename*=UTF-8''report%202026.pdf`,
    );
  });

  it('percent-encodes non-ASCII and RFC 5987 specials, with an ASCII fallback', () => {
    const header = attachmentDisposition("Résumé d'été (1)*.pdf");
    expect(header).toBe(
      `attachment; filename="Resume d'ete (1)*.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20d%27%C3%A9t%C3%A9%20%281%29%2A.pdf`,
    );
    expect(decodeURIComponent(header.split("UTF-8''")[1])).toBe("Résumé d'été (1)*.pdf");
  });

  it('never lets quotes, backslashes or line breaks into the header', () => {
    const header = attachmentDisposition('a"b\\c\r\nSet-Cookie: x=1;.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toContain('filename="a_b_c__Set-Cookie: x=1;.txt"');
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });

  it('replaces what ASCII cannot carry in the fallback', () => {
    expect(attachmentDisposition('報告.pdf')).toContain('filename="__.pdf"');
    expect(attachmentDisposition('報告')).toContain('filename="__"');
    expect(encodeRfc5987('報告')).toBe('%E5%A0%B1%E5%91%8A');
  });
});
