// The dashboard's entry point: defining the shell defines every page.
import './smol-app.js';
