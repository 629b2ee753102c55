package io.tandem.job.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The benchmark's chart, drawn with plain Java2D: on the left the throughput of Tandem and of the
 * two alternatives with the bench model on the CPU; in the middle the same three with the stand-in
 * accelerator calibrated from the A30 table (labelled as such: no GPU ran); on the right the
 * throughput against the number of CPU workers with the fast stand-in accelerator, with the
 * stand-in's own limit.
 */
public final class BenchChart {
    private static final int WIDTH = 1500;
    private static final int HEIGHT = 440;
    private static final Color TANDEM = new Color(0x1F77B4);
    private static final Color OTHER = new Color(0xB0B0B0);
    private static final Color LIMIT = new Color(0xD62728);

    private BenchChart() {}

    @SuppressWarnings("unchecked")
    public static void write(BenchReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, Double> throughput =
                (Map<String, Double>) report.details().get("throughput_docs_per_s");
        Map<Integer, Double> scaling =
                (Map<Integer, Double>) report.details().get("scaling_docs_per_s");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(
                    RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            Map<String, Double> bars = new LinkedHashMap<>();
            bars.put("Tandem", throughput.get("tandem"));
            bars.put("per-record map", throughput.get("per_record_map"));
            bars.put("countWindow(32)", throughput.get("count_window"));
            drawBars(
                    g,
                    new Panel(60, 50, 400, 320),
                    "Model '"
                            + report.details().get("model")
                            + "' on the CPU, "
                            + report.details().get("cpu_workers")
                            + " workers",
                    bars);
            Map<String, Double> calibrated = new LinkedHashMap<>();
            calibrated.put("Tandem", throughput.get("calibrated_tandem"));
            calibrated.put("per-record map", throughput.get("calibrated_per_record_map"));
            calibrated.put("countWindow(32)", throughput.get("calibrated_count_window"));
            drawBars(
                    g,
                    new Panel(560, 50, 400, 320),
                    "Stand-in calibrated on A30 BERT-base table (no GPU)",
                    calibrated);
            drawScaling(
                    g,
                    new Panel(1060, 50, 390, 320),
                    "Fast stand-in: scaling with CPU workers",
                    scaling,
                    throughput.get("fast_stand_in_only"));
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private record Panel(int x, int y, int width, int height) {
        int bottom() {
            return y + height;
        }
    }

    private static void drawBars(
            Graphics2D g, Panel panel, String title, Map<String, Double> bars) {
        double max = bars.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double top = niceCeiling(max * 1.15);
        drawAxes(g, panel, title, "documents / s", top);
        int slot = panel.width() / bars.size();
        int i = 0;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics metrics = g.getFontMetrics();
        for (Map.Entry<String, Double> bar : bars.entrySet()) {
            int height = (int) Math.round(bar.getValue() / top * panel.height());
            int x = panel.x() + i * slot + slot / 5;
            int width = slot * 3 / 5;
            g.setColor(i == 0 ? TANDEM : OTHER);
            g.fillRect(x, panel.bottom() - height, width, height);
            g.setColor(Color.BLACK);
            String value = String.format(Locale.ROOT, "%.1f", bar.getValue());
            g.drawString(
                    value,
                    x + (width - metrics.stringWidth(value)) / 2,
                    panel.bottom() - height - 4);
            g.drawString(
                    bar.getKey(),
                    x + (width - metrics.stringWidth(bar.getKey())) / 2,
                    panel.bottom() + 16);
            i++;
        }
    }

    private static void drawScaling(
            Graphics2D g, Panel panel, String title, Map<Integer, Double> points, double limit) {
        double max =
                Math.max(
                        limit,
                        points.values().stream().mapToDouble(Double::doubleValue).max().orElse(1));
        double top = niceCeiling(max * 1.15);
        drawAxes(g, panel, title, "documents / s", top);
        int maxWorkers = points.keySet().stream().mapToInt(Integer::intValue).max().orElse(1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics metrics = g.getFontMetrics();
        int limitY = panel.bottom() - (int) Math.round(limit / top * panel.height());
        g.setColor(LIMIT);
        g.setStroke(
                new BasicStroke(
                        1.5f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        1,
                        new float[] {6, 4},
                        0));
        g.drawLine(panel.x(), limitY, panel.x() + panel.width(), limitY);
        g.drawString("stand-in alone", panel.x() + panel.width() - 95, limitY - 5);
        g.setStroke(new BasicStroke(2.5f));
        g.setColor(TANDEM);
        int previousX = -1;
        int previousY = -1;
        for (Map.Entry<Integer, Double> point : points.entrySet()) {
            int x =
                    panel.x()
                            + (int)
                                    Math.round(
                                            (double) point.getKey()
                                                    / (maxWorkers + 0.5)
                                                    * panel.width());
            int y = panel.bottom() - (int) Math.round(point.getValue() / top * panel.height());
            if (previousX >= 0) {
                g.drawLine(previousX, previousY, x, y);
            }
            g.fillOval(x - 4, y - 4, 8, 8);
            String value = String.format(Locale.ROOT, "%.0f", point.getValue());
            g.drawString(value, x - metrics.stringWidth(value) / 2, y - 8);
            g.setColor(Color.BLACK);
            String label = Integer.toString(point.getKey());
            g.drawString(label, x - metrics.stringWidth(label) / 2, panel.bottom() + 16);
            g.setColor(TANDEM);
            previousX = x;
            previousY = y;
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void drawAxes(Graphics2D g, Panel panel, String title, String unit, double top) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, panel.x(), panel.y() - 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics metrics = g.getFontMetrics();
        g.drawLine(panel.x(), panel.y(), panel.x(), panel.bottom());
        g.drawLine(panel.x(), panel.bottom(), panel.x() + panel.width(), panel.bottom());
        for (int tick = 0; tick <= 4; tick++) {
            double value = top * tick / 4;
            int y = panel.bottom() - panel.height() * tick / 4;
            String label = String.format(Locale.ROOT, value >= 10 ? "%.0f" : "%.1f", value);
            g.setColor(new Color(0xE5E5E5));
            if (tick > 0) {
                g.drawLine(panel.x() + 1, y, panel.x() + panel.width(), y);
            }
            g.setColor(Color.BLACK);
            g.drawString(label, panel.x() - 6 - metrics.stringWidth(label), y + 4);
        }
        g.drawString(unit, panel.x(), panel.y() - 4);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value}. */
    static double niceCeiling(double value) {
        if (value <= 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }
}
