/**
 * `.containerignore` / `.dockerignore`: which context files a build cannot see. Docker's rules:
 * one pattern per line, `#` comments, paths relative to the context root (a leading `/` is
 * dropped), `*` and `?` within one path segment, `**` across any number of segments, `!` to
 * re-include, and the last matching line wins. A pattern that matches a directory excludes what
 * is below it.
 */

interface Rule {
  re: RegExp;
  include: boolean;
}

export class IgnoreRules {
  private constructor(private readonly rules: Rule[]) {}

  static parse(text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const include = line.startsWith('!');
      if (include) line = line.slice(1).trim();
      line = line.replace(/^\/+/, '').replace(/\/+$/, '');
      if (line === '' || line === '.') continue;
      rules.push({ re: globToRegExp(line), include });
    }
    return new IgnoreRules(rules);
  }

  static readonly NONE = new IgnoreRules([]);

  /** Whether the context-relative file `rel` (POSIX) is left out of the build. */
  ignored(rel: string): boolean {
    let out = false;
    const segments = rel.split('/');
    for (const r of this.rules) {
      // the path itself or any directory above it
      for (let i = segments.length; i >= 1; i--) {
        if (r.re.test(segments.slice(0, i).join('/'))) {
          out = !r.include;
          break;
        }
      }
    }
    return out;
  }
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` everything below
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
