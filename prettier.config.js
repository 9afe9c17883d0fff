// Prettier formats the code (TypeScript, JavaScript, JSON); .prettierignore leaves Markdown and YAML alone.
/** @type {import('prettier').Config} */
export default {
  printWidth: 120,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: true,
  trailingComma: 'all',
};
