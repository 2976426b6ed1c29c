/**
 * tollctl, the systemctl-like client.
 */
package dev.tollgate.cli;
