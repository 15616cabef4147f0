/**
 * The two renderings a reviewer asks for per file: a diff (diff2html, unified or side by side) and the
 * proposed markdown as a document. Both escape or sanitize everything they are given: diff2html escapes each
 * line, and markdown goes through rehype-sanitize (GitHub's schema: no scripts, no event handlers, no raw
 * HTML), so a memory file cannot put markup on the page.
 */
import { html as diffHtml } from 'diff2html';
import { ColorSchemeType } from 'diff2html/lib/types.js';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

export type Layout = 'unified' | 'split';

export function renderDiff(patch: string, layout: Layout = 'unified'): string {
  return diffHtml(patch, {
    drawFileList: false,
    outputFormat: layout === 'split' ? 'side-by-side' : 'line-by-line',
    matching: 'lines',
    colorScheme: ColorSchemeType.AUTO,
    renderNothingWhenEmpty: false,
  });
}

const markdown = unified()
  .use(remarkParse)
  .use(remarkFrontmatter, ['yaml', 'toml'])
  .use(remarkGfm)
  .use(remarkRehype)
  .use(rehypeSanitize)
  .use(rehypeStringify);

/** A markdown file as sanitized HTML (front matter left out). */
export function renderMarkdown(text: string): string {
  return String(markdown.processSync(text));
}

export const isMarkdown = (path: string): boolean => /\.(md|markdown|mdx)$/i.test(path);
