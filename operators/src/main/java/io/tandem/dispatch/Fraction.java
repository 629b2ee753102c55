package io.tandem.dispatch;

import java.io.Serializable;
import java.math.BigInteger;

/**
 * An exact non-negative-denominator rational number, always in lowest terms. Dispatch loads are
 * compared with it so that "exactly even" means equal, not "equal up to rounding".
 */
public final class Fraction implements Comparable<Fraction>, Serializable {

    private static final long serialVersionUID = 1L;

    public static final Fraction ZERO = new Fraction(0, 1);

    private final long numerator;
    private final long denominator;

    private Fraction(long numerator, long denominator) {
        this.numerator = numerator;
        this.denominator = denominator;
    }

    /** The fraction {@code numerator / denominator} in lowest terms. */
    public static Fraction of(long numerator, long denominator) {
        if (denominator == 0) {
            throw new ArithmeticException(
                    "Fraction " + numerator + "/0: the denominator must not be zero");
        }
        if (denominator < 0) {
            numerator = Math.negateExact(numerator);
            denominator = Math.negateExact(denominator);
        }
        long divisor = gcd(Math.abs(numerator), denominator);
        return new Fraction(numerator / divisor, denominator / divisor);
    }

    public static Fraction of(long whole) {
        return new Fraction(whole, 1);
    }

    public long numerator() {
        return numerator;
    }

    public long denominator() {
        return denominator;
    }

    /** The exact sum; fails with {@link ArithmeticException} rather than overflow silently. */
    public Fraction plus(Fraction other) {
        long common = gcd(denominator, other.denominator);
        long left = Math.multiplyExact(numerator, other.denominator / common);
        long right = Math.multiplyExact(other.numerator, denominator / common);
        return of(
                Math.addExact(left, right),
                Math.multiplyExact(denominator, other.denominator / common));
    }

    public Fraction minus(Fraction other) {
        return plus(new Fraction(Math.negateExact(other.numerator), other.denominator));
    }

    public Fraction times(long factor) {
        long common = gcd(Math.abs(factor), denominator);
        return of(Math.multiplyExact(numerator, factor / common), denominator / common);
    }

    public Fraction abs() {
        return numerator < 0 ? new Fraction(-numerator, denominator) : this;
    }

    public double toDouble() {
        return (double) numerator / denominator;
    }

    static long gcd(long a, long b) {
        while (b != 0) {
            long rest = a % b;
            a = b;
            b = rest;
        }
        return a == 0 ? 1 : a;
    }

    @Override
    public int compareTo(Fraction other) {
        // Cross-multiplied in BigInteger: exact even where the products leave the long range.
        BigInteger left =
                BigInteger.valueOf(numerator).multiply(BigInteger.valueOf(other.denominator));
        BigInteger right =
                BigInteger.valueOf(other.numerator).multiply(BigInteger.valueOf(denominator));
        return left.compareTo(right);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Fraction that
                && numerator == that.numerator
                && denominator == that.denominator;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(numerator) * 31 + Long.hashCode(denominator);
    }

    /** {@code "8/9"}, or just {@code "2"} for a whole number. */
    @Override
    public String toString() {
        return denominator == 1 ? Long.toString(numerator) : numerator + "/" + denominator;
    }
}
