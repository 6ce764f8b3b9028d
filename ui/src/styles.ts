import { css } from 'lit';

/** Shared look: cards, tables and buttons that work on a phone. */
export const shared = css`
  :host { display: block; }
  h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
  h3 { font-size: 1rem; margin: 0 0 0.5rem; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 0.75rem; }
  .card { background: var(--card, #fff); border: 1px solid var(--line, #dde2ea); border-radius: 10px; padding: 0.75rem; min-width: 0; }
  .card .label { font-size: 0.85rem; opacity: 0.75; overflow-wrap: break-word; }
  .card .value { font-size: 1.5rem; font-variant-numeric: tabular-nums; }
  .muted { opacity: 0.65; }
  .empty { padding: 1rem; border: 1px dashed var(--line, #dde2ea); border-radius: 10px; opacity: 0.8; }
  .error { color: #b3261e; }
  a { color: #1f5fd6; }
  table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line, #dde2ea); vertical-align: top; }
  /* Only ids and hashes (one long word) may break, and then between characters of that word only. */
  .id, code { overflow-wrap: anywhere; word-break: normal; }
  .scroll { overflow-x: auto; }
  button, select, input { font: inherit; min-height: 44px; padding: 0.4rem 0.7rem; border-radius: 8px; border: 1px solid var(--line, #c9d0db); background: var(--card, #fff); color: inherit; }
  button { cursor: pointer; }
  button[aria-pressed='true'] { background: #2f6fed; color: #fff; border-color: #2f6fed; }
  button:disabled { opacity: 0.5; cursor: not-allowed; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.75rem; }
  .badge { display: inline-block; padding: 0 0.4rem; border-radius: 6px; font-size: 0.75rem; background: #e7ecf5; color: #1c2330; }
  .badge.sim { background: #fff1c2; }
  .badge.live { background: #d4f5dd; }
  pre { white-space: pre-wrap; overflow-wrap: break-word; font-size: 0.8rem; background: var(--code, #f0f2f5); padding: 0.5rem; border-radius: 8px; }
  :focus-visible { outline: 2px solid #2f6fed; outline-offset: 2px; }
  /* A phone: every table row becomes a card of "label value" lines (labels from TableCards). */
  @media (max-width: 640px) {
    .scroll table, .scroll tbody, .scroll tr, .scroll td { display: block; width: 100%; }
    .scroll thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    .scroll tr { background: var(--card, #fff); border: 1px solid var(--line, #dde2ea); border-radius: 10px; margin-bottom: 0.6rem; padding: 0.35rem 0.5rem; }
    .scroll td { position: relative; border: 0; padding: 0.2rem 0 0.2rem 7rem; min-height: 1.6em; overflow-wrap: break-word; }
    .scroll td::before { content: attr(data-label); position: absolute; left: 0; width: 6.5rem; font-weight: 600; opacity: 0.7; }
    .scroll td[data-label=''] { padding-left: 0; }
  }
  @media (prefers-color-scheme: dark) {
    :host { --card: #1d222a; --line: #2e3541; --code: #20252d; }
    .badge { background: #2b3445; color: #e4e8ee; }
    .badge.sim { background: #5a4a12; }
    .badge.live { background: #1d4d2c; }
    /* AA on the dark card (#1d222a): the light theme's red and blue are too dark there. */
    .error { color: #ff8a80; }
    a { color: #8ab4ff; }
  }
`;
