/**
 * tollgated: unit state machine, process supervision, the Varlink server.
 */
package dev.tollgate.daemon;
