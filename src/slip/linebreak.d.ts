// The linebreak package (UAX #14 break opportunities, the same one pdfkit wraps with)
// ships no types; this is the part the PDF slip uses.
declare module 'linebreak' {
  export interface Break {
    /** Code-unit index where the next line may begin. */
    position: number;
    /** A mandatory break (a newline), not just an opportunity. */
    required: boolean;
  }
  export default class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
}
