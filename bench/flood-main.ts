/**
 * The hostile row's flood, in a process of its own (see flood.ts): floods `TANDEM_FLOOD_URL`
 * with the deliver key `TANDEM_FLOOD_KEY` until SIGTERM, then prints its tally and exits.
 */
import { setPriority } from 'node:os';
import { flood, FLOOD_TALLY } from './flood';

// At the lowest priority: an attacker's CPU is its own machine's, so on this one the flood gets
// what the gateway and the app leave, and the row measures what answering it costs them.
setPriority(19);

const url = process.env.TANDEM_FLOOD_URL;
const key = process.env.TANDEM_FLOOD_KEY;
if (url === undefined || key === undefined) {
  console.error('flood: set TANDEM_FLOOD_URL and TANDEM_FLOOD_KEY');
  process.exit(2);
}
const flooding = flood(url, key);
console.log('bench-ready {}');
process.on('SIGTERM', () => {
  void flooding.stop().then((tally) => {
    console.log(`${FLOOD_TALLY}${JSON.stringify(tally)}`);
    process.exit(0);
  });
});
