/** Running mean and population standard deviation (Welford), plus how many values were undefined. */
export class MetricAccumulator {
  count = 0;
  excluded = 0;
  private mean = 0;
  private m2 = 0;

  /** Adds one prompt's value; `undefined`, `null` and `NaN` count as excluded. */
  add(value: number | undefined | null): void {
    if (value === undefined || value === null || Number.isNaN(value)) {
      this.excluded++;
      return;
    }
    this.count++;
    const d = value - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (value - this.mean);
  }

  /** `{ mean, std, count, excluded }`; mean and std are `null` when no value was defined. */
  result(): { mean: number | null; std: number | null; count: number; excluded: number } {
    if (this.count === 0) return { mean: null, std: null, count: 0, excluded: this.excluded };
    return {
      mean: this.mean,
      std: Math.sqrt(Math.max(0, this.m2 / this.count)),
      count: this.count,
      excluded: this.excluded,
    };
  }
}
