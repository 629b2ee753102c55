/**
 * Dispatch of tensor batches from the CPU task set (P producer subtasks) to the inference subtasks
 * (C consumers) and back.
 *
 * <ul>
 *   <li>{@link io.tandem.dispatch.DispatchSchedule}: which consumer gets each batch, exactly even,
 *       with the fewest links, few producers per consumer and no bursts; {@link
 *       io.tandem.dispatch.ReferenceSchedule} is edsnlp's algorithm for comparison and {@link
 *       io.tandem.dispatch.ScheduleReport} prints both.
 *   <li>{@link io.tandem.dispatch.DispatchPartitioner} and {@link
 *       io.tandem.dispatch.ReturnToProducerPartitioner}: the two {@code partitionCustom} edges.
 *       Such edges refuse unaligned checkpoints, so Tandem uses aligned checkpoints.
 * </ul>
 *
 * <p>Why each edge is partitioned so: docs/ARCHITECTURE.md.
 */
package io.tandem.dispatch;
