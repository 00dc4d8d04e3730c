package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void emptySamplesHaveNoFigures() {
        Samples s = new Samples();
        assertThat(s.count()).isZero();
        assertThat(s.median()).isNaN();
        assertThat(s.percentile(0.95)).isNaN();
        assertThat(s.mean()).isNaN();
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        Samples s = new Samples();
        for (double v : new double[] {4, 1, 3, 2}) {
            s.add(v);
        }
        assertThat(s.median()).isEqualTo(2.5);
        s.add(10);
        assertThat(s.median()).isEqualTo(3.0);
    }

    @Test
    void percentilesAreNearestRank() {
        Samples s = new Samples();
        for (int i = 100; i >= 1; i--) {
            s.add(i); // added in descending order: the summary must sort
        }
        assertThat(s.percentile(0.95)).isEqualTo(95.0);
        assertThat(s.percentile(0.951)).isEqualTo(96.0);
        assertThat(s.percentile(0)).isEqualTo(1.0);
        assertThat(s.percentile(1)).isEqualTo(100.0);
        assertThat(s.mean()).isEqualTo(50.5);
        assertThatThrownBy(() -> s.percentile(1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsSuccessesApartFromMeasurements() {
        Samples s = new Samples();
        s.add(1, true);
        s.add(2, false);
        s.add(3);
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.ok()).isEqualTo(2);
    }
}
