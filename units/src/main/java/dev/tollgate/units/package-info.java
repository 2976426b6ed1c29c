/**
 * systemd unit file syntax and the typed configuration of slices and services.
 */
package dev.tollgate.units;
