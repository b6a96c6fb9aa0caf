/** Tiny DOM helpers: the page is small enough not to need a framework. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

/** Creates an element with text and attributes; text is set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function show(node: HTMLElement, visible = true): void {
  node.hidden = !visible;
}

export type Tone = 'info' | 'error' | 'ok';

/** Writes a message into a message box (or hides it when `text` is empty). */
export function say(box: HTMLElement, text: string, tone: Tone = 'info'): void {
  box.textContent = text;
  box.dataset.tone = tone;
  box.hidden = text === '';
}

/** Only one screen of the page shows at a time. */
export function showScreen(
  id: 'screen-loading' | 'screen-sign-in' | 'screen-lobby' | 'screen-room' | 'screen-replay',
): void {
  document.querySelectorAll<HTMLElement>('main > .screen').forEach((s) => {
    s.hidden = s.id !== id;
  });
}
