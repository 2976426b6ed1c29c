/**
 * The io.tollgate.Manager Varlink interface: description, messages, framing, client.
 */
package dev.tollgate.api;
