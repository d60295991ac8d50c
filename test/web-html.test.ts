// The web app's templates escape what they are given: a student ID, a file name or a program's
// output that looks like markup is shown as text, never run or parsed as HTML.
import { describe, expect, it } from 'vitest';
import { html } from '../src/web/html.js';
import { sideBySide } from '../src/web/pages/report.js';

describe('html templates', () => {
  it('escape every value, in text and in attributes', () => {
    const name = '<img src=x onerror="alert(1)">';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>',
    );
  });

  it('pass nested templates through, join arrays, and drop null, undefined and false', () => {
    const items = ['a&b', 'c'].map((x) => html`<li>${x}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}</ul>${null}${undefined}${false}${0}`;
    expect(list.value).toBe('<ul><li>a&amp;b</li><li>c</li></ul>0');
  });

  it('show program output that looks like markup as text in the diff', () => {
    const out = sideBySide('<b>3</b>\n', '</td><script>x()</script>\n').value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;');
    expect(out).toContain('&lt;b&gt;3&lt;/b&gt;');
  });
});
