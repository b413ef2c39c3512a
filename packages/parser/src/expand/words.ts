/**
 * Word splitting as BuildKit's `wordsStruct`: unquoted, unescaped white space (Go `unicode.IsSpace`,
 * i.e. the Unicode White_Space property) ends the current word; quoted text, escaped characters
 * and non-space characters are appended; empty words are never emitted.
 */
const SPACE_RUN = /\p{White_Space}+/gu;
const HAS_SPACE = /\p{White_Space}/u;

export class WordSplitter {
  private readonly words: string[] = [];
  private word = '';

  /** text subject to splitting (plain characters, `$var` expansions) */
  addSplittable(text: string): void {
    if (text === '') return;
    if (!HAS_SPACE.test(text)) {
      this.word += text;
      return;
    }
    SPACE_RUN.lastIndex = 0;
    let last = 0;
    for (let m = SPACE_RUN.exec(text); m !== null; m = SPACE_RUN.exec(text)) {
      this.word += text.slice(last, m.index);
      this.flush();
      last = m.index + m[0].length;
    }
    this.word += text.slice(last);
  }

  /** text that is never split (quoted strings, escaped characters) */
  addRaw(text: string): void {
    this.word += text;
  }

  finish(): string[] {
    this.flush();
    return this.words;
  }

  private flush(): void {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
    }
  }
}
