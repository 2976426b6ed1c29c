/**
 * Runtime image, launchers and Debian packaging (built by scripts, not code).
 */
package dev.tollgate.packaging;
