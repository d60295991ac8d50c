// The files the demo assignment names: the one students write, and the header it provides.

/** The file the assignment asks for (the config's template). */
export const TEMPLATE_FILE = 'rational.cpp';

/** The provided header's asset path; every delivery includes it. */
export const HEADER_FILE = 'rational.h';

/** The provided header; the config copies it in (use_provided), over any student's copy. */
export const RATIONAL_HEADER = String.raw`// rational.h: provided with the assignment; do not change it (yours is not used).
#ifndef RATIONAL_H
#define RATIONAL_H

#include <string>

// A fraction num/den. After normalize(): den > 0 and num/den is in lowest terms.
struct Rational {
  long long num;
  long long den;
};

// "3/4" or "-2" (a whole number); denominators are never 0.
Rational parseRational(const std::string& text);

// The same value in lowest terms with a positive denominator.
Rational normalize(Rational r);

// "p/q", or just "p" when the denominator is 1.
std::string toString(Rational r);

#endif
`;
