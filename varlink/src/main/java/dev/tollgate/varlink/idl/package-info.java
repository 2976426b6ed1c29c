/**
 * Varlink interface descriptions: a parser by varlink.org's grammar that also reports what
 * systemd's parser would refuse, the checks systemd makes (unique names, resolved types), and
 * checking JSON values against a description the way systemd's server does before a call reaches
 * its handler.
 */
package dev.tollgate.varlink.idl;
