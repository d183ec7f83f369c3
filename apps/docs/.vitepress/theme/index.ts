/// <reference types="vitepress/client" />
import DefaultTheme from 'vitepress/theme';
import './custom.css';

/** The default theme with a wider text column for the results and reference tables. */
export default DefaultTheme;
