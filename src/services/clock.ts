import type { IsoDate } from '../domain/types.js';

/** Today's civil date in China, the settlement date by default. Injected so tests and replays can pin it. */
export type Clock = () => IsoDate;

const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

export const shanghaiToday: Clock = () => fmt.format(new Date());

export const fixedClock = (date: IsoDate): Clock => () => date;
