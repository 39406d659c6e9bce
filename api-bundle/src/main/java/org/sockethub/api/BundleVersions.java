package org.sockethub.api;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.Version;

/** Reads a class's bundle version without requiring OSGi to be present. */
final class BundleVersions {

    private BundleVersions() {
    }

    static String of(Class<?> type) {
        try {
            Bundle bundle = FrameworkUtil.getBundle(type);
            if (bundle != null) {
                Version v = bundle.getVersion();
                String base = v.getMajor() + "." + v.getMinor() + "." + v.getMicro();
                return v.getQualifier().isEmpty() ? base : base + "-" + v.getQualifier();
            }
        } catch (NoClassDefFoundError outsideOsgi) {
            // plain class path (unit tests): no bundle, no version
        }
        return "0.0.0";
    }
}
