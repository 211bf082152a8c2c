/**
 * The note in the top bar that says who serves the page ("feed server · demo mode"). A view
 * that finds the server gone says so here, so the header never claims a server that has left.
 */
let upText = '';

function note(): HTMLElement | null {
  return document.getElementById('server-note');
}

/** The server answered `/api/info`: `text` describes it. */
export function serverUp(text: string): void {
  upText = text;
  const element = note();
  if (element === null) return;
  element.textContent = text;
  element.dataset.state = 'up';
}

/** The server stopped answering (a lost feed connection, a closed live stream). */
export function serverGone(why = 'server not reachable'): void {
  const element = note();
  if (element === null) return;
  element.textContent = why;
  element.dataset.state = 'down';
}

/** The server answers again. */
export function serverBack(): void {
  if (upText !== '') serverUp(upText);
}
