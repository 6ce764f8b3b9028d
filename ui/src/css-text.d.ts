/** CSS files are bundled as text (ui/build.ts: loader text) and adopted by Lit elements with unsafeCSS. */
declare module '*.css' {
  const text: string;
  export default text;
}
